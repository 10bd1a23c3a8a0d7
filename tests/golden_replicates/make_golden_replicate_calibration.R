# Golden values: calibration and trimming repeated on every replicate of a replicate design
# (R survey 4.1-1 calibrate.svyrep.design).
# Run from the project root: Rscript tests/golden_replicates/make_golden_replicate_calibration.R
suppressMessages(library(survey))
d <- read.csv(file.path("tests", "golden", "data", "apiclus1.csv"), na.strings = c("", "NA"),
              stringsAsFactors = TRUE)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = d)
rows <- list()
add <- function(case, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, statistic = stat, value = sprintf("%.17g", value))
}
pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018)
for (type in c("JK1", "bootstrap")) {
  if (type == "bootstrap") next  # random replicates: compared on JK1 only
  rd <- as.svrepdesign(dclus1, type = type)
  for (fun in c("linear", "raking")) {
    cal <- calibrate(rd, ~stype, pop, calfun = fun, epsilon = 1e-12, maxit = 100)
    m <- svymean(~api00, cal)
    case <- paste("jk1", fun, sep = "_")
    add(case, "estimate", coef(m)); add(case, "se", SE(m))
    t <- svytotal(~enroll, cal, na.rm = TRUE)
    add(case, "total_estimate", coef(t)); add(case, "total_se", SE(t))
  }
  # trimWeights.svyrep.design in survey 4.1-1 restores the untrimmed sampling weights and
  # mangles the replicate matrix, so trimming of replicate designs is tested by hand instead.
}
out <- do.call(rbind, rows)
con <- file(file.path("tests", "golden_replicates", "replicate_calibration_golden.csv"), "w")
writeLines(c("# written by make_golden_replicate_calibration.R; do not edit",
             paste("# R:", R.version.string), paste("# survey:", packageVersion("survey"))), con)
write.csv(out, con, row.names = FALSE)
close(con)
