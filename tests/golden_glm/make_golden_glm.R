# make_golden_glm.R -- golden values from R's survey package for design-based generalised
# linear models (svyglm) and Wald tests of their terms (regTermTest).
#
# Run from anywhere:  Rscript tests/golden_glm/make_golden_glm.R
#
# 1. Reads the data sets of tests/golden/data (apistrat, apiclus1, lonely) and
#    tests/golden_replicates/data (pairs) as the other golden scripts do, and derives the 0/1
#    responses sw = (sch_wide == "Yes") and aw = (awards == "Yes").
# 2. Builds Taylor designs (stratified with fpc, clustered with fpc, lonely PSUs under each
#    rule), calibrated designs (postStratify, calibrate) and replicate designs
#    (as.svrepdesign JK1, JKn, BRR; R's BRR factors are written to data/ because our Hadamard
#    rows differ), and fits svyglm with gaussian, quasibinomial and quasipoisson families,
#    factors and interactions, subsets (domains) and missing values.
# 3. Writes golden_glm.csv: '#' header lines (versions, options, designs), then one row per
#    statistic: case, design, lonely_psu, family, formula (ours, patsy syntax), where (ours),
#    call (R), term, term2, statistic, value (sprintf "%.17g"), note.
#
# Every fit uses glm.control(epsilon = 1e-15, maxit = 100) (replicate fits too: svyglm passes
# the control on) and is run twice, the second time from the coefficients of the first (see
# fit_twice below), so that coefficients and working weights are the IRLS fixed point to full
# precision rather than stopped at R's default relative deviance change of 1e-8.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
golden_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/golden_glm"
tests_dir <- dirname(golden_dir)
data_dir <- file.path(golden_dir, "data")
dir.create(data_dir, showWarnings = FALSE)

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE, survey.replicates.mse = FALSE,
        survey.drop.replicates = TRUE)

read_data <- function(folder, name) {
  read.csv(file.path(tests_dir, folder, "data", paste0(name, ".csv")),
           na.strings = c("", "NA"), stringsAsFactors = TRUE)
}
apistrat <- read_data("golden", "apistrat")
apiclus1 <- read_data("golden", "apiclus1")
lonely <- read_data("golden", "lonely")
pairs <- read_data("golden_replicates", "pairs")
for (name in c("apistrat", "apiclus1")) {
  d <- get(name)
  d$sw <- as.numeric(d$sch_wide == "Yes")
  d$aw <- as.numeric(d$awards == "Yes")
  assign(name, d)
}

control <- glm.control(epsilon = 1e-15, maxit = 100)

# ---------------------------------------------------------------------------------------------
# Designs
# ---------------------------------------------------------------------------------------------
design_calls <- c(
  strat = "svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)",
  clus1 = "svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)",
  lonely = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely)",
  lonely_fpc = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, fpc = ~fpc_n, data = lonely)",
  clus1_ps = "postStratify(clus1, ~stype, data.frame(stype = c(\"E\", \"H\", \"M\"), Freq = c(4421, 755, 1018)))",
  clus1_cal = "calibrate(clus1, ~stype + api99, c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069), epsilon = 1e-13, maxit = 100)",
  clus1_jk1 = "as.svrepdesign(clus1, type = \"JK1\")",
  strat_jkn = "as.svrepdesign(strat, type = \"JKn\")",
  pairs_brr = "as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = pairs), type = \"BRR\")"
)
make_design <- function(name, lonely_psu = "fail") {
  options(survey.lonely.psu = lonely_psu)
  clus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
  strat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
  switch(name,
    strat = strat,
    clus1 = clus1,
    lonely = svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely),
    lonely_fpc = svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE,
                           fpc = ~fpc_n, data = lonely),
    clus1_ps = postStratify(clus1, ~stype,
                            data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))),
    clus1_cal = calibrate(clus1, ~stype + api99,
                          c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, api99 = 3914069),
                          epsilon = 1e-13, maxit = 100),
    clus1_jk1 = as.svrepdesign(clus1, type = "JK1"),
    strat_jkn = as.svrepdesign(strat, type = "JKn"),
    pairs_brr = as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w,
                                         data = pairs), type = "BRR"),
    # the Taylor design of the BRR cases, for their dispersion
    pairs_taylor = svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = pairs),
    stop("unknown design ", name))
}

# R's BRR factors (one row per record, key hh): the test rebuilds the design with them.
brr <- make_design("pairs_brr")
factors <- weights(brr, "replication")
out_factors <- as.data.frame(matrix(sprintf("%.17g", factors), nrow = nrow(factors)))
names(out_factors) <- paste0("f", seq_len(ncol(factors)))
write.csv(cbind(data.frame(hh = pairs$hh), out_factors),
          file.path(data_dir, "pairs_brr_factors.csv"), row.names = FALSE, quote = FALSE)

# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------
out <- list()
case_names <- character(0)
format_value <- function(value) {
  if (is.nan(value)) "NaN" else if (is.na(value)) "" else sprintf("%.17g", value)
}

# svyglm of `r_formula` on `design`, fitted twice: the second time from the coefficients of the
# first. glm.fit stops on the deviance, which cannot see coefficient changes below about 1e-8;
# its coefficients are then accurate (the last IRLS step squares the error) but its working
# weights, and so svyglm's sandwich, are those of the iterate before, up to 1e-8 away. Started
# at the converged coefficients, the weights are at the fixed point. The family, control and
# start go in as values: svyglm.svyrep.design evaluates its call in the data, where local
# variables are not found.
fit_twice <- function(r_formula, design, fam) {
  once <- function(start) {
    eval(bquote(svyglm(.(as.formula(r_formula)), design, family = .(fam),
                       control = .(control), start = .(start))))
  }
  first <- once(NULL)
  once(coef(first))
}

# One case: fit `r_formula` with `family` on design `design_name` (subset by `r_subset`, an R
# expression as text, when given), record coefficients, SEs, t, p, 95% intervals, the
# covariance, df.residual, nobs and the dispersion, and regTermTest of each of `tests`.
# `formula` and `where` are the same model in our syntax, written for the Python test.
fit_case <- function(case, design_name, family, r_formula, formula, tests = character(0),
                     r_subset = "", where = "", lonely_psu = "fail", note = "") {
  if (case %in% case_names) stop("duplicate case ", case)
  case_names <<- c(case_names, case)
  design <- make_design(design_name, lonely_psu)
  if (nzchar(r_subset)) {
    design <- eval(parse(text = sprintf("subset(design, %s)", r_subset)))
  }
  fam <- switch(family, gaussian = gaussian(), binomial = quasibinomial(),
                poisson = quasipoisson())
  fit <- withCallingHandlers(
    fit_twice(r_formula, design, fam),
    warning = function(w) {
      # glm's own summary (svyglm keeps its unscaled covariance) notes zero weights: harmless
      if (grepl("zero weight not used for calculating dispersion", conditionMessage(w))) {
        invokeRestart("muffleWarning")
      }
      stop("warning in case ", case, ": ", conditionMessage(w))
    })
  call <- sprintf("options(survey.lonely.psu = \"%s\"); svyglm(%s, %s, family = %s)",
                  lonely_psu, r_formula,
                  if (nzchar(r_subset)) sprintf("subset(%s, %s)", design_name, r_subset)
                  else design_name,
                  c(gaussian = "gaussian()", binomial = "quasibinomial()",
                    poisson = "quasipoisson()")[[family]])
  row <- function(term, statistic, value, term2 = "", row_note = note) {
    out[[length(out) + 1]] <<- data.frame(
      case = case, design = design_name, lonely_psu = lonely_psu, family = family,
      formula = formula, where = where, call = call, term = term, term2 = term2,
      statistic = statistic, value = format_value(as.numeric(value)), note = row_note,
      stringsAsFactors = FALSE)
  }
  table <- coef(summary(fit))
  intervals <- confint(fit)
  covariance <- vcov(fit)
  for (term in rownames(table)) {
    row(term, "estimate", table[term, 1])
    row(term, "se", table[term, 2])
    row(term, "statistic", table[term, 3])
    row(term, "p_value", table[term, 4])
    row(term, "ci_lower", intervals[term, 1])
    row(term, "ci_upper", intervals[term, 2])
    # the covariance, upper triangle with the diagonal
    others <- rownames(table)[seq(match(term, rownames(table)), nrow(table))]
    for (other in others) row(term, "covariance", covariance[term, other], other)
  }
  row("", "df_resid", fit$df.residual)
  row("", "nobs", nobs(fit))
  if (inherits(fit, "svrepglm")) {
    # R 4.1-1's summary.svrepglm scales the Pearson residuals by about sqrt(n) (see README);
    # the golden dispersion is that of the same model on the Taylor design with the same rows.
    taylor <- make_design(switch(design_name, clus1_jk1 = "clus1", strat_jkn = "strat",
                                 pairs_brr = "pairs_taylor"), lonely_psu)
    if (nzchar(r_subset)) {
      taylor <- eval(parse(text = sprintf("subset(taylor, %s)", r_subset)))
    }
    same <- fit_twice(r_formula, taylor, fam)
    row("", "dispersion", summary(same)$dispersion,
        row_note = "summary(svyglm(same model, Taylor design))$dispersion")
    row("", "dispersion_svrepglm", summary(fit)$dispersion,
        row_note = "R's own summary.svrepglm value (not compared)")
  } else {
    row("", "dispersion", summary(fit)$dispersion)
  }
  for (test in tests) {
    wald <- regTermTest(fit, as.formula(paste("~", test)), method = "Wald")
    row(test, "wald_F", wald$Ftest)
    row(test, "wald_df_num", wald$df)
    row(test, "wald_df_den", wald$ddf)
    row(test, "wald_p", wald$p)
  }
}

# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------
# stratified, fpc
fit_case("strat_gaussian_interaction", "strat", "gaussian",
         "api00 ~ stype * ell + meals", "api00 ~ stype * ell + meals",
         tests = c("stype", "stype:ell", "meals"))
fit_case("strat_gaussian_factors", "strat", "gaussian",
         "api00 ~ stype * awards + meals", "api00 ~ stype * awards + meals",
         tests = c("stype:awards", "awards"))
fit_case("strat_binomial", "strat", "binomial",
         "sw ~ stype + ell + meals", "sw ~ stype + ell + meals", tests = c("stype", "ell"))
fit_case("strat_poisson", "strat", "poisson",
         "ell ~ stype + meals", "ell ~ stype + meals", tests = "stype")
fit_case("strat_binomial_missing", "strat", "binomial",
         "sw ~ acs_k3 + meals", "sw ~ acs_k3 + meals", tests = "acs_k3",
         note = "acs_k3 missing on 103 rows (all but elementary schools): na.omit")
fit_case("strat_gaussian_subset", "strat", "gaussian",
         "api00 ~ ell + meals + awards", "api00 ~ ell + meals + awards",
         r_subset = "meals > 30", where = "meals > 30", tests = "awards")

# clustered, fpc
fit_case("clus1_gaussian", "clus1", "gaussian",
         "api00 ~ ell + meals + stype", "api00 ~ ell + meals + stype", tests = "stype")
fit_case("clus1_binomial_interaction", "clus1", "binomial",
         "sw ~ meals * stype", "sw ~ meals * stype", tests = c("meals:stype", "stype"))
fit_case("clus1_poisson", "clus1", "poisson",
         "ell ~ meals + stype", "ell ~ meals + stype", tests = "stype")
fit_case("clus1_gaussian_missing", "clus1", "gaussian",
         "api00 ~ avg_ed + meals", "api00 ~ avg_ed + meals", tests = "avg_ed",
         note = "avg_ed missing on 26 rows: na.omit")
fit_case("clus1_binomial_subset", "clus1", "binomial",
         "aw ~ ell + meals", "aw ~ ell + meals", r_subset = "stype == \"E\"",
         where = "stype == 'E'", tests = "ell")
fit_case("clus1_poisson_subset_missing", "clus1", "poisson",
         "ell ~ avg_ed + sw", "ell ~ avg_ed + sw", r_subset = "api99 > 600",
         where = "api99 > 600", tests = "sw")

# lonely PSUs (strata 5 and 6 hold one PSU each), zero weights, missing y and grp
for (opt in c("remove", "certainty", "adjust", "average")) {
  fit_case(paste0("lonely_gaussian_", opt), "lonely", "gaussian",
           "y ~ x + grp", "y ~ x + grp", tests = "grp", lonely_psu = opt)
  fit_case(paste0("lonely_binomial_", opt), "lonely", "binomial",
           "b ~ x + factor(area)", "b ~ x + C(area)", tests = "factor(area)",
           lonely_psu = opt)
  fit_case(paste0("lonely_poisson_subset_", opt), "lonely", "poisson",
           "x ~ y + grp", "x ~ y + grp", r_subset = "area == 2", where = "area == 2",
           tests = "grp", lonely_psu = opt)
}
fit_case("lonely_fpc_gaussian_adjust", "lonely_fpc", "gaussian",
         "y ~ x * factor(area)", "y ~ x * C(area)", tests = "x:factor(area)",
         lonely_psu = "adjust")

# calibrated
for (name in c("clus1_ps", "clus1_cal")) {
  fit_case(paste0(name, "_gaussian"), name, "gaussian",
           "api00 ~ ell + meals + stype", "api00 ~ ell + meals + stype", tests = "stype")
  fit_case(paste0(name, "_binomial"), name, "binomial",
           "sw ~ ell + meals", "sw ~ ell + meals", tests = "ell")
  fit_case(paste0(name, "_poisson_missing"), name, "poisson",
           "ell ~ avg_ed + meals", "ell ~ avg_ed + meals", tests = "avg_ed")
  fit_case(paste0(name, "_gaussian_subset"), name, "gaussian",
           "api00 ~ ell + avg_ed", "api00 ~ ell + avg_ed", r_subset = "meals > 20",
           where = "meals > 20", tests = "ell")
}

# replicate designs (the model refitted per replicate)
fit_case("clus1_jk1_gaussian", "clus1_jk1", "gaussian",
         "api00 ~ ell + meals + stype", "api00 ~ ell + meals + stype", tests = "stype")
fit_case("clus1_jk1_binomial_subset", "clus1_jk1", "binomial",
         "sw ~ ell + meals", "sw ~ ell + meals", r_subset = "api99 > 550",
         where = "api99 > 550", tests = "meals")
fit_case("clus1_jk1_poisson_missing", "clus1_jk1", "poisson",
         "ell ~ avg_ed + meals", "ell ~ avg_ed + meals", tests = "avg_ed")
fit_case("strat_jkn_binomial", "strat_jkn", "binomial",
         "sw ~ stype + ell + meals", "sw ~ stype + ell + meals", tests = "stype")
fit_case("strat_jkn_gaussian_interaction", "strat_jkn", "gaussian",
         "api00 ~ stype * ell + meals", "api00 ~ stype * ell + meals",
         tests = c("stype:ell", "stype"))
fit_case("pairs_brr_gaussian", "pairs_brr", "gaussian",
         "y ~ x + grp + factor(area)", "y ~ x + grp + C(area)", tests = c("grp", "factor(area)"))
fit_case("pairs_brr_binomial_subset", "pairs_brr", "binomial",
         "b ~ x + y", "b ~ x + y", r_subset = "region != 2", where = "region != 2",
         tests = "y")
fit_case("pairs_brr_poisson", "pairs_brr", "poisson",
         "x ~ grp + b", "x ~ grp + b", tests = "grp")

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
golden <- do.call(rbind, out)
header <- c(
  "# golden values for mics_toolkit glm, written by tests/golden_glm/make_golden_glm.R; do not edit",
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  "# options: survey.adjust.domain.lonely=FALSE, survey.ultimate.cluster=FALSE, survey.replicates.mse=FALSE; survey.lonely.psu as in each call",
  "# control: glm.control(epsilon = 1e-15, maxit = 100) in every svyglm call",
  paste0("# designs: ", paste(sprintf("%s <- %s", names(design_calls), design_calls),
                               collapse = " | ")),
  "# data: tests/golden/data/{apistrat,apiclus1,lonely}.csv and tests/golden_replicates/data/pairs.csv, read.csv(na.strings = c(\"\", \"NA\"), stringsAsFactors = TRUE); sw = as.numeric(sch_wide == \"Yes\"), aw = as.numeric(awards == \"Yes\")"
)
path <- file.path(golden_dir, "golden_glm.csv")
writeLines(header, path)
suppressWarnings(write.table(golden, path, sep = ",", row.names = FALSE, append = TRUE,
                             qmethod = "double"))
cat(sprintf("%d cases, %d statistics written to %s\n", length(unique(golden$case)),
            nrow(golden), path))
