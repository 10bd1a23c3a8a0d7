# Core benchmark, R side: the table workload with the survey package's svymean/svyby.
#
# Usage: Rscript benchmarks/bench_core.R data.csv out.csv [repeats]
#
# data.csv holds the analysis columns written by benchmarks/bench_core.py (design columns
# HH1, stratum, wmweight; breakdowns HH6, HH7, windex5, welevel, WAGE; indicators ladder,
# better_life, contraception, age_union with NA where a value is missing). The script times the
# workload only -- design construction plus 4 indicators x 6 breakdowns with estimate, SE,
# confidence interval (t with the design df) and DEFF (deff = "replace") -- excluding R
# start-up, package loading and reading the CSV. It repeats the workload `repeats` times
# (default 3) and prints one line "seconds_best=<s> seconds_all=<s1>,<s2>,..." to stdout;
# the estimates of the last repetition go to out.csv (write.csv: 15 significant digits).
#
# Missing values: svymean(..., na.rm = TRUE) keeps the rows with a missing value in the design
# as out-of-domain rows (their PSUs still count), the same as a domain estimate.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: Rscript bench_core.R data.csv out.csv [repeats]")
data_file <- args[[1]]
out_file <- args[[2]]
repeats <- if (length(args) >= 3) as.integer(args[[3]]) else 3L

data <- read.csv(data_file)
indicators <- c("ladder", "better_life", "contraception", "age_union")
breakdowns <- c("total", "HH6", "HH7", "windex5", "welevel", "WAGE")

run_workload <- function(data) {
  design <- svydesign(ids = ~HH1, strata = ~stratum, weights = ~wmweight, data = data)
  df <- degf(design)
  tq <- qt(0.975, df)
  pieces <- list()
  for (indicator in indicators) {
    formula <- as.formula(paste0("~", indicator))
    for (breakdown in breakdowns) {
      if (breakdown == "total") {
        fit <- svymean(formula, design, na.rm = TRUE, deff = "replace")
        group <- "all"
        design_effect <- as.numeric(deff(fit))
      } else {
        fit <- svyby(formula, as.formula(paste0("~", breakdown)), design, svymean,
                     na.rm = TRUE, deff = "replace", keep.var = TRUE)
        group <- as.character(fit[[breakdown]])
        # deff() fails on svyby objects made with deff = "replace" in survey 4.1
        # (attr "deffs" holds the string); the column is read directly.
        design_effect <- as.numeric(fit[[paste0("DEff.", indicator)]])
      }
      estimate <- as.numeric(coef(fit))
      se <- as.numeric(SE(fit))
      pieces[[length(pieces) + 1]] <- data.frame(
        indicator = indicator, breakdown = breakdown, group = group,
        estimate = estimate, se = se,
        ci_lower = estimate - tq * se, ci_upper = estimate + tq * se,
        deff = design_effect
      )
    }
  }
  do.call(rbind, pieces)
}

seconds <- numeric(repeats)
for (k in seq_len(repeats)) {
  started <- proc.time()[["elapsed"]]
  result <- run_workload(data)
  seconds[k] <- proc.time()[["elapsed"]] - started
}

write.csv(result, out_file, row.names = FALSE)
cat(sprintf("seconds_best=%.6f seconds_all=%s\n", min(seconds),
            paste(sprintf("%.6f", seconds), collapse = ",")))
cat(sprintf("r_version=%s survey_version=%s\n", getRversion(), packageVersion("survey")))
