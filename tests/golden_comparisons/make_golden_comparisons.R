# make_golden_comparisons.R -- golden comparisons and tests from R's survey package.
#
# Run from anywhere:  Rscript tests/golden_comparisons/make_golden_comparisons.R
#
# Needs R survey 4.1-1 and CompQuadForm (1.4.3; the "lincom" statistic of svychisq uses its
# davies() and farebrother(); without it R silently falls back to the saddlepoint). With
# CompQuadForm in a private library:  R_LIBS=/path/to/lib Rscript ...
#
# Reads the data sets of tests/golden/data and computes, on Taylor designs (stratified with
# fpc, clustered with and without fpc, nest = TRUE with zero weights and missing values), a
# calibrated design and replicate designs (JK1, JKn of as.svrepdesign):
#   - differences and ratios of domain estimates: svycontrast(svyby(..., covmat = TRUE), ...)
#     with contrast vectors (linear) and quoted expressions (nonlinear: ratios, and the
#     difference of two ratio means on the calibrated design, where R 4.1-1's svyby(covmat =
#     TRUE) fails);
#   - the change between two independent rounds: two designs stacked with distinct strata;
#   - svychisq with each statistic (2x2, R x C, empty cells, a subset, missing values);
#   - svyttest, one sample and two groups.
# For contrasts, t statistics, p-values and t intervals use degf() of the design of the call.
#
# Writes golden_comparisons.csv: '#' header lines (R, survey and CompQuadForm versions,
# options), then case, call (the R call evaluated), contrast (the row's label, as the Python
# result shows it), quantity, value (sprintf "%.17g").

suppressPackageStartupMessages(library(survey))
if (!requireNamespace("CompQuadForm", quietly = TRUE)) {
  stop("CompQuadForm is needed for svychisq(statistic = \"lincom\"); see the header")
}

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else "tests/golden_comparisons"
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

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus2 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus2)
dnest <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = nested)
pop_stype <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dcal <- calibrate(dclus1, ~stype + api99, c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018,
                                            api99 = 3914069))
djk1 <- as.svrepdesign(dclus1, type = "JK1")
djkn <- as.svrepdesign(dnest, type = "JKn")

rows <- list()
add <- function(case, call, contrast, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, call = call, contrast = contrast,
                                          quantity = quantity,
                                          value = sprintf("%.17g", as.numeric(value)),
                                          stringsAsFactors = FALSE)
}
text_of <- function(expr) paste(deparse(expr, width.cutoff = 500L), collapse = " ")

# ---- contrasts: estimate, se, and t statistic, p-value and t interval on degf(design)
contrast_case <- function(case, stat_expr, contrasts, design, null = 0) {
  stat <- eval(stat_expr)
  result <- svycontrast(stat, contrasts)
  call <- paste0("svycontrast(", text_of(stat_expr), ", ", text_of(contrasts), ")")
  df <- degf(design)
  estimate <- coef(result)
  se <- SE(result)
  for (i in seq_along(estimate)) {
    label <- names(contrasts)[i]
    t <- (estimate[i] - null) / se[i]
    add(case, call, label, "estimate", estimate[i])
    add(case, call, label, "se", se[i])
    add(case, call, label, "df", df)
    add(case, call, label, "statistic", t)
    add(case, call, label, "p_value", 2 * pt(-abs(t), df))
    add(case, call, label, "ci_lower", estimate[i] - qt(0.975, df) * se[i])
    add(case, call, label, "ci_upper", estimate[i] + qt(0.975, df) * se[i])
  }
}
pairs_of <- function(domains) {
  out <- list()
  for (i in seq_along(domains)) for (j in seq_along(domains)) if (j > i) {
    weights <- setNames(rep(0, length(domains)), domains)
    weights[domains[j]] <- 1
    weights[domains[i]] <- -1
    out[[paste(domains[j], "-", domains[i])]] <- weights
  }
  out
}
ratios_of <- function(pairs, name = function(d) d) {
  out <- list()
  for (pair in pairs) {
    out[[paste(pair[1], "/", pair[2])]] <- parse(text = paste0("`", name(pair[1]), "` / `",
                                                              name(pair[2]), "`"))[[1]]
  }
  out
}

contrast_case("strat_mean_awards", quote(svyby(~api00, ~awards, dstrat, svymean, covmat = TRUE)),
              list(`Yes - No` = c(No = -1, Yes = 1)), dstrat)
contrast_case("strat_mean_awards_ratio",
              quote(svyby(~api00, ~awards, dstrat, svymean, covmat = TRUE)),
              ratios_of(list(c("Yes", "No"))), dstrat, null = 1)
contrast_case("clus1_mean_stype", quote(svyby(~api00, ~stype, dclus1, svymean, covmat = TRUE)),
              pairs_of(c("E", "H", "M")), dclus1)
contrast_case("clus1_mean_stype_ratio",
              quote(svyby(~api00, ~stype, dclus1, svymean, covmat = TRUE)),
              ratios_of(list(c("H", "E"), c("M", "E"), c("M", "H"))), dclus1, null = 1)
contrast_case("clus1_prop_stype", quote(svyby(~sch_wide, ~stype, dclus1, svymean,
                                              covmat = TRUE)),
              list(`H - E` = c(`E:sch_wideYes` = -1, `H:sch_wideYes` = 1),
                   `M - E` = c(`E:sch_wideYes` = -1, `M:sch_wideYes` = 1),
                   `M - H` = c(`H:sch_wideYes` = -1, `M:sch_wideYes` = 1)), dclus1)
contrast_case("clus1_prop_stype_ratio",
              quote(svyby(~sch_wide, ~stype, dclus1, svymean, covmat = TRUE)),
              ratios_of(list(c("E", "H")), function(d) paste0(d, ":sch_wideYes")), dclus1,
              null = 1)
contrast_case("clus1_total_stype", quote(svyby(~enroll, ~stype, dclus1, svytotal,
                                               covmat = TRUE)),
              pairs_of(c("E", "H", "M")), dclus1)
contrast_case("clus1_ratio_stype", quote(svyby(~api00, ~stype, dclus1, svyratio,
                                               denominator = ~api99, covmat = TRUE)),
              pairs_of(c("E", "H", "M")), dclus1)
contrast_case("clus1_mean_stype_subset",
              quote(svyby(~api00, ~stype, subset(dclus1, sch_wide == "Yes"), svymean,
                          covmat = TRUE)),
              pairs_of(c("E", "H", "M")), dclus1)
contrast_case("clus2_mean_na_stype",
              quote(svyby(~enroll, ~stype, subset(dclus2, !is.na(enroll)), svymean,
                          covmat = TRUE)),
              pairs_of(c("E", "H", "M")), dclus2)
contrast_case("nested_mean_grp", quote(svyby(~y, ~grp, subset(dnest, !is.na(y)), svymean,
                                             covmat = TRUE)),
              pairs_of(c("a", "b", "c")), dnest)
# (a domain named c would break deriv(): the ratio is of the areas)
contrast_case("nested_mean_area_ratio", quote(svyby(~y, ~area, subset(dnest, !is.na(y)),
                                                    svymean, covmat = TRUE)),
              ratios_of(list(c("2", "1"))), dnest, null = 1)
# calibrated: R 4.1-1's svyby(covmat = TRUE) fails on calibrated designs; the domain means
# are ratios of totals, compared through one nonlinear svycontrast (the same linearisation)
dcal <- update(dcal, y_No = api00 * (awards == "No"), y_Yes = api00 * (awards == "Yes"),
               n_No = as.numeric(awards == "No"), n_Yes = as.numeric(awards == "Yes"))
contrast_case("cal_mean_awards", quote(svytotal(~y_No + n_No + y_Yes + n_Yes, dcal)),
              list(`Yes - No` = quote(y_Yes / n_Yes - y_No / n_No)), dcal)
contrast_case("cal_mean_awards_ratio", quote(svytotal(~y_No + n_No + y_Yes + n_Yes, dcal)),
              list(`Yes / No` = quote((y_Yes / n_Yes) / (y_No / n_No))), dcal, null = 1)
contrast_case("jk1_mean_stype", quote(svyby(~api00, ~stype, djk1, svymean, covmat = TRUE)),
              pairs_of(c("E", "H", "M")), djk1)
contrast_case("jk1_mean_stype_ratio", quote(svyby(~api00, ~stype, djk1, svymean,
                                                  covmat = TRUE)),
              ratios_of(list(c("H", "E"), c("M", "E"), c("M", "H"))), djk1, null = 1)
contrast_case("jk1_prop_stype", quote(svyby(~sch_wide, ~stype, djk1, svymean, covmat = TRUE)),
              list(`H - E` = c(`E:sch_wideYes` = -1, `H:sch_wideYes` = 1),
                   `M - E` = c(`E:sch_wideYes` = -1, `M:sch_wideYes` = 1),
                   `M - H` = c(`H:sch_wideYes` = -1, `M:sch_wideYes` = 1)), djk1)
contrast_case("jkn_mean_grp", quote(svyby(~y, ~grp, subset(djkn, !is.na(y)), svymean,
                                          covmat = TRUE)),
              pairs_of(c("a", "b", "c")), djkn)

# ---- two independent rounds: apistrat (round 1) and apiclus1 (round 2) stacked as one
# design with distinct strata; the change of each school type's mean is a difference of
# domains whose covariance is 0, and degf() of the stacked design is the sum of both.
stack_1 <- data.frame(round = "r1", stratum = paste0("s", apistrat$stype),
                      psu = paste0("p", apistrat$snum), pw = apistrat$pw, fpc = apistrat$fpc,
                      stype = apistrat$stype, api00 = apistrat$api00)
stack_2 <- data.frame(round = "r2", stratum = "c", psu = paste0("d", apiclus1$dnum),
                      pw = apiclus1$pw, fpc = apiclus1$fpc, stype = apiclus1$stype,
                      api00 = apiclus1$api00)
stacked <- svydesign(id = ~psu, strata = ~stratum, weights = ~pw, fpc = ~fpc,
                     data = rbind(stack_1, stack_2))
contrast_case("rounds_mean_stype",
              quote(svyby(~api00, ~round + stype, stacked, svymean, covmat = TRUE)),
              list(E = c(r1.E = -1, r2.E = 1), H = c(r1.H = -1, r2.H = 1),
                   M = c(r1.M = -1, r2.M = 1)), stacked)

# ---- svychisq: each statistic; "lincom" also with Davies' algorithm at accuracy 1e-11
# (R's call uses 1e-7), recorded as quantity p_value_accurate
chisq_case <- function(case, formula, design_name) {
  design <- get(design_name)
  for (statistic in c("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint")) {
    call <- paste0("svychisq(", text_of(formula), ", ", design_name, ", statistic = \"",
                   statistic, "\")")
    test <- tryCatch(svychisq(formula, design, statistic = statistic),
                     error = function(e) conditionMessage(e))
    if (is.character(test)) {  # R fails (a singular Wald covariance: empty cells)
      add(case, paste0(call, " fails: ", test), statistic, "error", NaN)
      next
    }
    add(case, call, statistic, "statistic", test$statistic)
    parameter <- test$parameter
    add(case, call, statistic, "df_num",
        if (is.null(parameter)) NaN else parameter[1])
    add(case, call, statistic, "df_den",
        if (is.null(parameter) || length(parameter) < 2) NaN else parameter[2])
    add(case, call, statistic, "p_value", test$p.value)
    if (statistic == "lincom") {
      original <- CompQuadForm::davies
      accurate <- function(q, lambda, h = rep(1, length(lambda)), delta = rep(0, length(lambda)),
                           sigma = 0, lim = 10000, acc = 1e-4) {
        original(q, lambda, h, delta, sigma, lim = 100000, acc = 1e-11)
      }
      utils::assignInNamespace("davies", accurate, "CompQuadForm")
      precise <- svychisq(formula, design, statistic = statistic)
      utils::assignInNamespace("davies", original, "CompQuadForm")
      add(case, call, statistic, "p_value_accurate", precise$p.value)
    }
  }
  # the design df nu that R's svychisq used (Taylor: PSUs minus strata of every row)
  nu <- if (inherits(design, "svyrep.design")) degf(design) else
    length(unique(design$cluster[, 1])) - length(unique(design$strata[, 1]))
  add(case, paste0("design df of ", design_name), "", "nu", nu)
}
dclus1_sub <- subset(dclus1, stype != "H")
chisq_case("clus1_sch_wide_stype", ~sch_wide + stype, "dclus1")
chisq_case("clus1_sch_wide_awards_subset", ~sch_wide + awards, "dclus1_sub")
chisq_case("clus1_stype_yr_rnd_empty", ~stype + yr_rnd, "dclus1")
chisq_case("strat_yr_rnd_awards", ~yr_rnd + awards, "dstrat")
chisq_case("strat_stype_yr_rnd", ~stype + yr_rnd, "dstrat")
chisq_case("clus2_stype_yr_rnd_empty", ~stype + yr_rnd, "dclus2")
chisq_case("nested_grp_x", ~grp + x, "dnest")
chisq_case("cal_sch_wide_stype", ~sch_wide + stype, "dcal")
chisq_case("jk1_sch_wide_stype", ~sch_wide + stype, "djk1")
chisq_case("jk1_stype_yr_rnd_empty", ~stype + yr_rnd, "djk1")
chisq_case("jkn_grp_area", ~grp + area, "djkn")

# ---- svyttest
ttest_case <- function(case, formula, design_name) {
  design <- get(design_name)
  call <- paste0("svyttest(", text_of(formula), ", ", design_name, ")")
  test <- svyttest(formula, design)
  label <- if (formula[[3]] == 1) "mean" else "second - first"
  add(case, call, label, "difference", test$estimate)
  add(case, call, label, "se", test$estimate / test$statistic)
  add(case, call, label, "t", test$statistic)
  add(case, call, label, "df", test$parameter)
  add(case, call, label, "p_value", test$p.value)
  add(case, call, label, "ci_lower", test$conf.int[1])
  add(case, call, label, "ci_upper", test$conf.int[2])
}
dclus1_e <- subset(dclus1, stype == "E")
ttest_case("clus1_one_sample", api00 ~ 1, "dclus1")
ttest_case("clus1_two_groups", api00 ~ sch_wide, "dclus1")
ttest_case("clus1_two_groups_subset", api00 ~ sch_wide, "dclus1_e")
ttest_case("clus1_one_sample_subset", api00 ~ 1, "dclus1_e")
ttest_case("strat_two_groups", api00 ~ yr_rnd, "dstrat")
ttest_case("strat_one_sample", enroll ~ 1, "dstrat")
ttest_case("nested_two_groups_na", y ~ area, "dnest")
ttest_case("cal_two_groups", api00 ~ sch_wide, "dcal")
ttest_case("jk1_two_groups", api00 ~ sch_wide, "djk1")
ttest_case("jk1_one_sample", api00 ~ 1, "djk1")
ttest_case("jkn_two_groups_na", y ~ area, "djkn")

out <- do.call(rbind, rows)
path <- file.path(here, "golden_comparisons.csv")
header <- c(
  "# golden comparisons and tests for mics_toolkit, written by make_golden_comparisons.R; do not edit",
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  paste0("# CompQuadForm: ", as.character(packageVersion("CompQuadForm"))),
  "# options: survey.lonely.psu = \"fail\", survey.adjust.domain.lonely = FALSE, survey.ultimate.cluster = FALSE"
)
writeLines(header, path)
suppressWarnings(write.table(out, path, sep = ",", row.names = FALSE, quote = TRUE,
                             qmethod = "double", append = TRUE, col.names = TRUE))
cat("wrote", nrow(out), "values of", length(unique(out$case)), "cases to", path, "\n")
