# make_golden_covariance.R -- golden covariances of sets of estimates from R's survey package.
#
# Run from anywhere:  Rscript tests/golden_covariance/make_golden_covariance.R
#
# Reads the data sets of tests/golden/data (R's data(api) apistrat, apiclus1, apiclus2 and the
# self-made `nested` and `lonely`) and computes the joint covariance of several estimates of
# one design, the way R exposes it:
#   vcov(svyby(..., covmat = TRUE))  for domain estimates (means, totals, ratios, proportions),
#   vcov(svymean(~a + b, design))    for several variables,
# on Taylor designs (stratified, clustered with fpc, nest = TRUE, each lonely-PSU rule),
# calibrated designs (postStratify, rake, calibrate) and replicate designs (JK1, JKn, BRR of
# as.svrepdesign; mse = TRUE). Rows with a missing value are left out with subset(), which
# keeps the full design's PSU counts (R 4.1-1's svyby(covmat = TRUE) fails with na.rm = TRUE
# when the variable has missing values); the estimates are those of na.rm = TRUE.
#
# Writes golden_covariance.csv: '#' header lines (R and survey versions, options), then one
# row per matrix entry: case, call (the R call evaluated), row, col (R's dimnames), value
# (sprintf "%.17g").

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/golden_covariance"
data_dir <- file.path(dirname(here), "golden", "data")

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE, survey.replicates.mse = FALSE)

read_data <- function(name) {
  read.csv(file.path(data_dir, paste0(name, ".csv")), na.strings = c("", "NA"),
           stringsAsFactors = TRUE)
}
apistrat <- read_data("apistrat")
apiclus1 <- read_data("apiclus1")
apiclus2 <- read_data("apiclus2")
nested <- read_data("nested")
lonely <- read_data("lonely")

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus2 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus2)
dnest <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = nested)
dlonely <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely)
dlonely_fpc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc_n,
                         nest = TRUE, data = lonely)

rows <- list()
add_matrix <- function(case, call, matrix) {
  names <- rownames(matrix)
  for (i in seq_along(names)) for (j in seq_along(names)) {
    rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, row = names[i],
                                            col = names[j],
                                            value = sprintf("%.17g", matrix[i, j]),
                                            stringsAsFactors = FALSE)
  }
}
case <- function(case, expr, lonely_psu = "fail") {
  options(survey.lonely.psu = lonely_psu)
  call <- paste0("options(survey.lonely.psu = \"", lonely_psu, "\"); ",
                 paste(deparse(expr, width.cutoff = 500L), collapse = " "))
  value <- tryCatch(as.matrix(vcov(eval(expr))), error = function(e) {
    stop(case, ": ", conditionMessage(e), call. = FALSE)
  })
  add_matrix(case, call, value)
  options(survey.lonely.psu = "fail")
}

# ---- Taylor designs
case("strat_mean_by", quote(svyby(~api00, ~awards, dstrat, svymean, covmat = TRUE)))
case("strat_two_means", quote(svymean(~api00 + api99, dstrat)))
case("clus1_mean_by", quote(svyby(~api00, ~stype, dclus1, svymean, covmat = TRUE)))
case("clus1_two_means", quote(svymean(~api00 + api99, dclus1)))
case("clus1_total_by", quote(svyby(~enroll, ~stype, dclus1, svytotal, covmat = TRUE)))
case("clus1_ratio_by", quote(svyby(~api00, ~stype, dclus1, svyratio, denominator = ~api99,
                                   covmat = TRUE)))
case("clus1_prop_by", quote(svyby(~sch_wide, ~stype, dclus1, svymean, covmat = TRUE)))
case("clus1_prop", quote(svymean(~awards, dclus1)))
case("clus2_mean_by", quote(svyby(~api00, ~stype, dclus2, svymean, covmat = TRUE)))
case("clus2_mean_na_by", quote(svyby(~enroll, ~stype, subset(dclus2, !is.na(enroll)),
                                     svymean, covmat = TRUE)))
case("nested_mean_by", quote(svyby(~y, ~grp, subset(dnest, !is.na(y)), svymean,
                                   covmat = TRUE)))
case("nested_total_by", quote(svyby(~y, ~grp, subset(dnest, !is.na(y)), svytotal,
                                    covmat = TRUE)))
case("nested_mean_area", quote(svyby(~y, ~area, subset(dnest, !is.na(y)), svymean,
                                     covmat = TRUE)))
for (rule in c("remove", "certainty", "adjust", "average")) {
  case(paste0("lonely_", rule, "_mean_by"),
       quote(svyby(~y, ~grp, subset(dlonely, !is.na(y)), svymean, covmat = TRUE)), rule)
  case(paste0("lonely_", rule, "_total_by"),
       quote(svyby(~y, ~grp, subset(dlonely, !is.na(y)), svytotal, covmat = TRUE)), rule)
  case(paste0("lonely_fpc_", rule, "_mean_by"),
       quote(svyby(~y, ~grp, subset(dlonely_fpc, !is.na(y)), svymean, covmat = TRUE)), rule)
}

# ---- calibrated designs
# R 4.1-1's svyby(covmat = TRUE) fails on calibrated designs (the subsets keep every row), so
# domain means are taken as ratios of totals through svycontrast (the same linearisation):
# mean of y in domain g = total(y 1[g]) / total(1[g]), a proportion the same with y = 1[level].
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_sch <- data.frame(sch_wide = c("No", "Yes"), Freq = c(1200, 4994))
dpost <- postStratify(dclus1, ~stype, pop_stype)
drake <- rake(dclus1, list(~stype, ~sch_wide), list(pop_stype, pop_sch),
              control = list(maxit = 1000, epsilon = 1e-10, verbose = FALSE))
dcal <- calibrate(dclus1, ~stype + api99, c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018,
                                            api99 = 3914069))
with_domains <- function(design) {
  update(design,
         y_No = api00 * (awards == "No"), y_Yes = api00 * (awards == "Yes"),
         n_No = as.numeric(awards == "No"), n_Yes = as.numeric(awards == "Yes"),
         s_No_No = as.numeric(awards == "No" & sch_wide == "No"),
         s_No_Yes = as.numeric(awards == "No" & sch_wide == "Yes"),
         s_Yes_No = as.numeric(awards == "Yes" & sch_wide == "No"),
         s_Yes_Yes = as.numeric(awards == "Yes" & sch_wide == "Yes"))
}
dpost <- with_domains(dpost)
drake <- with_domains(drake)
dcal <- with_domains(dcal)
mean_by_awards <- quote(svycontrast(svytotal(~y_No + n_No + y_Yes + n_Yes, DESIGN),
                                    list(No = quote(y_No / n_No), Yes = quote(y_Yes / n_Yes))))
prop_by_awards <- quote(svycontrast(
  svytotal(~s_No_No + s_No_Yes + s_Yes_No + s_Yes_Yes + n_No + n_Yes, DESIGN),
  list(`No:sch_wideNo` = quote(s_No_No / n_No), `No:sch_wideYes` = quote(s_No_Yes / n_No),
       `Yes:sch_wideNo` = quote(s_Yes_No / n_Yes), `Yes:sch_wideYes` = quote(s_Yes_Yes / n_Yes))))
on <- function(expr, design) do.call(substitute, list(expr, list(DESIGN = as.name(design))))
case("post_mean_by", on(mean_by_awards, "dpost"))
case("post_two_means", quote(svymean(~api00 + api99, dpost)))
case("rake_mean_by", on(mean_by_awards, "drake"))
case("cal_mean_by", on(mean_by_awards, "dcal"))
case("cal_prop_by", on(prop_by_awards, "dcal"))

# ---- replicate designs
djk1 <- as.svrepdesign(dclus1, type = "JK1")
djkn <- as.svrepdesign(dnest, type = "JKn")
case("jk1_mean_by", quote(svyby(~api00, ~stype, djk1, svymean, covmat = TRUE)))
case("jk1_two_means", quote(svymean(~api00 + api99, djk1)))
case("jk1_prop_by", quote(svyby(~sch_wide, ~stype, djk1, svymean, covmat = TRUE)))
case("jk1_ratio_by", quote(svyby(~api00, ~stype, djk1, svyratio, denominator = ~api99,
                                 covmat = TRUE)))
case("jkn_mean_by", quote(svyby(~y, ~grp, subset(djkn, !is.na(y)), svymean, covmat = TRUE)))
djk1_mse <- as.svrepdesign(dclus1, type = "JK1", mse = TRUE)
case("jk1_mse_mean_by", quote(svyby(~api00, ~stype, djk1_mse, svymean, covmat = TRUE)))

out <- do.call(rbind, rows)
path <- file.path(here, "golden_covariance.csv")
header <- c(
  "# golden covariances for mics_toolkit, written by make_golden_covariance.R; do not edit",
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  "# options: survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE"
)
writeLines(header, path)
suppressWarnings(write.table(out, path, sep = ",", row.names = FALSE, quote = TRUE, qmethod = "double",
                             append = TRUE, col.names = TRUE))
cat("wrote", nrow(out), "entries of", length(unique(out$case)), "cases to", path, "\n")
