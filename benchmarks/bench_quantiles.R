# Quantile benchmark, R side: quartiles of 2 variables over the 6 breakdowns of the core
# workload with the survey package's svyquantile / svyby(svyquantile).
#
# Usage: Rscript benchmarks/bench_quantiles.R data.csv out.csv [repeats]
#
# data.csv holds the columns written by benchmarks/bench_quantiles.py (design columns HH1,
# stratum, wmweight; breakdowns HH6, HH7, windex5, welevel, WAGE; the analysis variables
# ladder and age with NA where a value is missing). The script times the workload only --
# design construction plus 2 variables x 6 breakdowns x 3 quartiles with estimate, SE and
# Woodruff interval (svyquantile defaults: qrule "math", interval.type "mean", df = degf()
# of each domain's design) -- excluding R start-up, package loading and reading the CSV. It
# repeats the workload `repeats` times (default 1) and prints one line
# "seconds_best=<s> seconds_all=<s1>,... r_version=... survey_version=..." to stdout; the
# estimates of the last repetition go to out.csv (17 significant digits).

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: Rscript bench_quantiles.R data.csv out.csv [repeats]")
data_file <- args[[1]]
out_file <- args[[2]]
repeats <- if (length(args) >= 3) as.integer(args[[3]]) else 1L

data <- read.csv(data_file)
variables <- c("ladder", "age")
breakdowns <- c("total", "HH6", "HH7", "windex5", "welevel", "WAGE")
quartiles <- c(0.25, 0.5, 0.75)

run_workload <- function(data) {
  design <- svydesign(ids = ~HH1, strata = ~stratum, weights = ~wmweight, data = data)
  pieces <- list()
  for (variable in variables) {
    formula <- as.formula(paste0("~", variable))
    for (breakdown in breakdowns) {
      if (breakdown == "total") {
        fit <- svyquantile(formula, design, quartiles, na.rm = TRUE, ci = TRUE)[[1]]
        pieces[[length(pieces) + 1]] <- data.frame(
          variable = variable, breakdown = breakdown, group = "all", quantile = quartiles,
          estimate = fit[, "quantile"], se = fit[, "se"])
      } else {
        fit <- svyby(formula, as.formula(paste0("~", breakdown)), design, svyquantile,
                     quantiles = quartiles, na.rm = TRUE, ci = TRUE)
        n <- nrow(fit)
        pieces[[length(pieces) + 1]] <- data.frame(
          variable = variable, breakdown = breakdown,
          group = rep(as.character(fit[[breakdown]]), 3),
          quantile = rep(quartiles, each = n),
          estimate = as.vector(as.matrix(fit[, 1 + 1:3])),
          se = as.vector(as.matrix(fit[, 1 + 3 + 1:3])))
      }
    }
  }
  do.call(rbind, pieces)
}

seconds <- numeric(repeats)
for (i in seq_len(repeats)) {
  started <- proc.time()[["elapsed"]]
  result <- run_workload(data)
  seconds[i] <- proc.time()[["elapsed"]] - started
}
result$estimate <- sprintf("%.17g", result$estimate)
result$se <- sprintf("%.17g", result$se)
write.csv(result, out_file, row.names = FALSE)
cat(sprintf("seconds_best=%.4f seconds_all=%s r_version=%s survey_version=%s\n", min(seconds),
            paste(sprintf("%.4f", seconds), collapse = ","),
            paste(R.version$major, R.version$minor, sep = "."),
            as.character(packageVersion("survey"))))
