# Comparison benchmark, R side: all pairs of 20 regions with svyby(covmat = TRUE) + svycontrast.
#
# Usage: Rscript benchmarks/bench_comparisons.R data.csv out.csv [repeats]
#
# data.csv holds the analysis columns written by benchmarks/bench_comparisons.py (HH1,
# stratum, wmweight, HH7, ladder with NA where missing). The script times design construction,
# svyby(~ladder, ~HH7, design, svymean, covmat = TRUE, na.rm = TRUE) and one svycontrast with
# the 190 pairwise differences "j - i" (i < j), excluding R start-up and reading the CSV. It
# prints "seconds_all=<s1>,<s2>,..." and writes the last repetition's contrasts to out.csv.
# R 4.1-1's svyby(covmat = TRUE) fails with na.rm = TRUE when values are missing, so the rows
# with a missing value are left out with subset(), which keeps the full design's PSU counts.

suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[[1]])
repeats <- if (length(args) >= 3) as.integer(args[[3]]) else 3L

run <- function(data) {
  design <- svydesign(ids = ~HH1, strata = ~stratum, weights = ~wmweight, data = data)
  by <- svyby(~ladder, ~HH7, subset(design, !is.na(ladder)), svymean, covmat = TRUE)
  regions <- as.character(by$HH7)
  contrasts <- list()
  for (i in seq_along(regions)) for (j in seq_along(regions)) if (j > i) {
    weights <- setNames(rep(0, length(regions)), regions)
    weights[j] <- 1
    weights[i] <- -1
    contrasts[[paste(regions[j], "-", regions[i])]] <- weights
  }
  svycontrast(by, contrasts)
}
seconds <- numeric(repeats)
for (r in seq_len(repeats)) {
  start <- proc.time()[["elapsed"]]
  result <- run(data)
  seconds[r] <- proc.time()[["elapsed"]] - start
}
out <- data.frame(contrast = names(coef(result)), estimate = as.numeric(coef(result)),
                  se = as.numeric(SE(result)))
write.csv(out, args[[2]], row.names = FALSE)
cat(paste0("seconds_all=", paste(sprintf("%.6f", seconds), collapse = ","),
           " r_version=", paste(R.version$major, R.version$minor, sep = "."),
           " survey_version=", as.character(packageVersion("survey")), "\n"))
