# make_golden_calibration.R -- golden values from R's survey package for the weight adjustments
# of mics_toolkit: postStratify, rake, calibrate (calfun linear, raking, logit, with bounds)
# and trimWeights, with estimates, standard errors and design effects after each adjustment,
# and the final weights of every row.
#
# Run from anywhere:  Rscript tests/golden_calibration/make_golden_calibration.R
#
# 1. Writes the data into tests/golden_calibration/data/: apiclus1 and apistrat (R's data(api),
#    dots in names become "_"), `sc` (self-made: 5 strata, 20 PSUs, fpc, unequal weights,
#    missing values) and `scl` (sc plus a stratum with a single PSU); the population figures
#    as CSV files in the format of mics_toolkit.read_totals (variable,level,total) and the
#    cross-classified cells of a post-stratification (variables and a count column).
# 2. Reads the data back and computes every case from the read-back data.
# 3. Writes golden_calibration.csv: '#' header lines (R and survey versions, the call that
#    builds each case's design), then one row per statistic: case, estimator, variable,
#    denominator, by_variable, by (domain value), level (category of a proportion),
#    statistic (estimate, se, deff, or error), value (sprintf "%.17g"), note (R's message
#    for an expected error); and weights.csv: case, row (1-based), weight.
#
# Raking (rake) and calibration (calibrate with a calfun other than unbounded linear) are
# iterative; R's default stopping rules (rake: epsilon = 1 weight unit, maxit = 10; calibrate:
# epsilon = 1e-7, maxit = 50) stop short of the fixed point, so the cases here ask for tight
# tolerances (rake epsilon 1e-13 relative to the weight sum; calibrate epsilon 1e-13) so that
# the weights are the fixed point to full precision.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
golden_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/golden_calibration"
data_dir <- file.path(golden_dir, "data")
dir.create(data_dir, showWarnings = FALSE)

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

fmt <- function(x) sprintf("%.17g", x)

write_data <- function(d, name) {
  write.csv(d, file.path(data_dir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE,
            na = "")
}
read_data <- function(name) {
  read.csv(file.path(data_dir, paste0(name, ".csv")), na.strings = c("", "NA"),
           stringsAsFactors = FALSE)
}

# ---------------------------------------------------------------------------------------------
# 1. Data and population figures
# ---------------------------------------------------------------------------------------------
data(api)
api_columns <- function(d) {
  data.frame(
    snum = d$snum, stype = as.character(d$stype), dnum = d$dnum,
    api00 = d$api00, api99 = d$api99, sch_wide = as.character(d$sch.wide),
    awards = as.character(d$awards), both = as.character(d$both),
    meals = d$meals, enroll = d$enroll, api_stu = d$api.stu, avg_ed = d$avg.ed,
    pw = d$pw, fpc = d$fpc, stringsAsFactors = FALSE
  )
}
write_data(api_columns(apiclus1), "apiclus1")
write_data(api_columns(apistrat), "apistrat")

# population figures of the api schools (data(api)'s apipop, 6194 schools)
api_totals <- rbind(
  data.frame(variable = "stype", level = names(table(apipop$stype)),
             total = as.vector(table(apipop$stype))),
  data.frame(variable = "sch_wide", level = names(table(apipop$sch.wide)),
             total = as.vector(table(apipop$sch.wide))),
  data.frame(variable = "api99", level = "", total = sum(apipop$api99)),
  data.frame(variable = "meals", level = "", total = sum(apipop$meals))
)
write.csv(api_totals, file.path(data_dir, "totals_api.csv"), row.names = FALSE, quote = FALSE)
cells <- as.data.frame(table(stype = apipop$stype, sch_wide = apipop$sch.wide))
names(cells)[3] <- "count"
write.csv(cells, file.path(data_dir, "cells_api.csv"), row.names = FALSE, quote = FALSE)

# Self-made stratified cluster sample: 5 strata with 3, 4, 5, 3, 5 PSUs (codes unique), 6-12
# rows per PSU, unequal weights within PSUs, fpc as population PSU counts, a region that
# crosses strata, sex, an age group, a positive size variable x, y with missing values and a
# three-category variable with missing values.
set.seed(20240612)
n_psu <- c(3, 4, 5, 3, 5)
pop_psu <- c(30, 40, 25, 12, 50)
rows <- list()
psu_code <- 0
for (h in seq_along(n_psu)) {
  for (j in seq_len(n_psu[h])) {
    psu_code <- psu_code + 1
    m <- sample(6:12, 1)
    region <- if (h <= 2) sample(1:2, m, replace = TRUE) else sample(2:3, m, replace = TRUE)
    sex <- sample(1:2, m, replace = TRUE)
    agegrp <- sample(1:4, m, replace = TRUE)
    x <- round(runif(m, 1, 10), 2)
    y <- round(10 + 2 * region + 3 * (sex == 2) + x + rnorm(m, 0, 2) + rnorm(1, 0, 2), 3)
    y[sample(m, 1)] <- NA
    cat3 <- sample(1:3, m, replace = TRUE, prob = c(0.5, 0.3, 0.2))
    cat3[sample(m, 1)] <- NA
    w <- round(runif(m, 5, 25) * h, 4)
    rows[[length(rows) + 1]] <- data.frame(
      stratum = h, psu = 100 + psu_code, region = region, sex = sex, agegrp = agegrp,
      x = x, y = y, cat3 = cat3, w = w, fpc_n = pop_psu[h]
    )
  }
}
sc <- do.call(rbind, rows)
write_data(sc, "sc")
# scl: sc plus stratum 6 with a single PSU (for the lonely-PSU rules after calibration)
m <- 8
scl <- rbind(sc, data.frame(
  stratum = 6, psu = 200, region = rep(c(1, 3), length.out = m), sex = rep(1:2, each = 4),
  agegrp = rep(1:4, 2), x = round(runif(m, 1, 10), 2), y = round(rnorm(m, 20, 3), 3),
  cat3 = rep(1:2, 4), w = round(runif(m, 5, 25) * 3, 4), fpc_n = 10
))
write_data(scl, "scl")

# population figures of sc: weighted sample totals perturbed, so calibration moves weights
sc_pop <- function(d) {
  tot <- function(v) tapply(d$w, d[[v]], sum)
  perturb <- function(t, f) round(t * f, 0)
  rbind(
    data.frame(variable = "region", level = names(tot("region")),
               total = perturb(tot("region"), c(1.10, 0.95, 1.02))),
    data.frame(variable = "sex", level = names(tot("sex")), total = NA),
    data.frame(variable = "agegrp", level = names(tot("agegrp")), total = NA),
    data.frame(variable = "x", level = "", total = round(sum(d$w * d$x) * 1.04, 1))
  )
}
fill_total <- function(t, d, v, f) {
  n <- sum(t$total[t$variable == "region"])
  share <- tapply(d$w, d[[v]], sum) / sum(d$w) * f
  share <- share / sum(share)
  counts <- round(share * n)
  counts[length(counts)] <- n - sum(counts[-length(counts)])
  t$total[t$variable == v] <- counts
  t
}
for (name in c("sc", "scl")) {
  d <- get(name)
  t <- sc_pop(d)
  t <- fill_total(t, d, "sex", c(0.97, 1.03))
  t <- fill_total(t, d, "agegrp", c(1.05, 1, 0.98, 0.96))
  write.csv(t, file.path(data_dir, paste0("totals_", name, ".csv")), row.names = FALSE,
            quote = FALSE)
}

# ---------------------------------------------------------------------------------------------
# 2. Read back and build the designs
# ---------------------------------------------------------------------------------------------
apiclus1 <- read_data("apiclus1")
apistrat <- read_data("apistrat")
sc <- read_data("sc")
scl <- read_data("scl")
for (v in c("stype", "sch_wide", "awards", "both")) {
  apiclus1[[v]] <- factor(apiclus1[[v]])
  apistrat[[v]] <- factor(apistrat[[v]])
}
for (v in c("region", "sex", "agegrp", "cat3")) {
  sc[[v]] <- factor(sc[[v]])
  scl[[v]] <- factor(scl[[v]])
}
read_totals <- function(name) {
  t <- read.csv(file.path(data_dir, paste0("totals_", name, ".csv")), na.strings = "NA",
                colClasses = c("character", "character", "numeric"))
  t$level[is.na(t$level)] <- ""
  t
}
margin <- function(t, v) {
  rows <- t[t$variable == v, ]
  out <- data.frame(rows$level, rows$total, stringsAsFactors = FALSE)
  names(out) <- c(v, "Freq")
  out
}
total_of <- function(t, v) t$total[t$variable == v]
# calibrate()'s population vector for ~ f1 + f2 + ... + numeric (treatment contrasts)
cal_population <- function(t, factors, numerics) {
  first <- t[t$variable == factors[1], ]
  pop <- c(`(Intercept)` = sum(first$total))
  for (v in factors) {
    rows <- t[t$variable == v, ]
    rows <- rows[order(rows$level), ][-1, ]
    pop <- c(pop, setNames(rows$total, paste0(v, rows$level)))
  }
  for (v in numerics) pop <- c(pop, setNames(total_of(t, v), v))
  pop
}
tapi <- read_totals("api")
tsc <- read_totals("sc")
tscl <- read_totals("scl")
cells_api <- read.csv(file.path(data_dir, "cells_api.csv"), stringsAsFactors = FALSE)
names(cells_api)[3] <- "Freq"

dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dsc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc_n, data = sc)
dscl <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = scl)

pop_api <- cal_population(tapi, "stype", "api99")
pop_sc <- cal_population(tsc, c("region", "sex"), "x")
pop_scl <- cal_population(tscl, c("region", "sex"), "x")
tight_rake <- list(maxit = 1000, epsilon = 1e-13)

# case name -> list(call = text evaluated, data = data set name)
cases <- list(
  ps_stype = list(data = "apiclus1", call = "postStratify(dclus1, ~stype, margin(tapi, 'stype'))"),
  ps_cells = list(data = "apiclus1", call = "postStratify(dclus1, ~stype + sch_wide, cells_api)"),
  rake_api = list(data = "apiclus1", call = paste0(
    "rake(dclus1, list(~stype, ~sch_wide), list(margin(tapi, 'stype'), ",
    "margin(tapi, 'sch_wide')), control = tight_rake)")),
  cal_linear = list(data = "apiclus1", call = "calibrate(dclus1, ~stype + api99, pop_api)"),
  cal_linear_bounded = list(data = "apiclus1", call = paste0(
    "calibrate(dclus1, ~stype + api99, pop_api, calfun = 'linear', bounds = c(0.5, 1.6), ",
    "epsilon = 1e-13, maxit = 100)")),
  cal_raking = list(data = "apiclus1", call = paste0(
    "calibrate(dclus1, ~stype + api99, pop_api, calfun = 'raking', epsilon = 1e-13, ",
    "maxit = 100)")),
  cal_raking_bounded = list(data = "apiclus1", call = paste0(
    "calibrate(dclus1, ~stype + api99, pop_api, calfun = 'raking', bounds = c(0.5, 1.6), ",
    "epsilon = 1e-13, maxit = 100)")),
  cal_logit = list(data = "apiclus1", call = paste0(
    "calibrate(dclus1, ~stype + api99, pop_api, calfun = 'logit', bounds = c(0.5, 1.6), ",
    "epsilon = 1e-13, maxit = 100)")),
  trim_cal = list(data = "apiclus1", call = paste0(
    "trimWeights(calibrate(dclus1, ~stype + api99, pop_api), lower = 20, upper = 50)")),
  trim_strat = list(data = "apistrat", call = "trimWeights(dstrat, lower = 16, upper = 40)"),
  trim_strat_strict = list(data = "apistrat", call = paste0(
    "trimWeights(dstrat, lower = 18, upper = 40, strict = TRUE)")),
  cal_strat = list(data = "apistrat", call = paste0(
    "calibrate(dstrat, ~sch_wide + meals, cal_population(tapi, 'sch_wide', 'meals'))")),
  ps_then_cal = list(data = "apiclus1", call = paste0(
    "calibrate(postStratify(dclus1, ~sch_wide, margin(tapi, 'sch_wide')), ~stype + api99, ",
    "pop_api, calfun = 'raking', epsilon = 1e-13, maxit = 100)")),
  sc_ps = list(data = "sc", call = "postStratify(dsc, ~region, margin(tsc, 'region'))"),
  sc_rake = list(data = "sc", call = paste0(
    "rake(dsc, list(~region, ~sex, ~agegrp), list(margin(tsc, 'region'), margin(tsc, 'sex'), ",
    "margin(tsc, 'agegrp')), control = tight_rake)")),
  sc_cal_linear = list(data = "sc", call = "calibrate(dsc, ~region + sex + x, pop_sc)"),
  sc_cal_raking = list(data = "sc", call = paste0(
    "calibrate(dsc, ~region + sex + x, pop_sc, calfun = 'raking', epsilon = 1e-13, ",
    "maxit = 100)")),
  scl_cal_adjust = list(data = "scl", lonely = "adjust", call = paste0(
    "calibrate(dscl, ~region + sex + x, pop_scl)")),
  scl_cal_average = list(data = "scl", lonely = "average", call = paste0(
    "calibrate(dscl, ~region + sex + x, pop_scl)")),
  scl_rake_certainty = list(data = "scl", lonely = "certainty", call = paste0(
    "rake(dscl, list(~region, ~sex), list(margin(tscl, 'region'), margin(tscl, 'sex')), ",
    "control = tight_rake)"))
)

# estimates asked of every case of a data set: estimator, variable, denominator, by
api_estimates <- list(
  list("mean", "api00", "", ""), list("total", "enroll", "", ""),
  list("proportion", "awards", "", ""), list("ratio", "api_stu", "enroll", ""),
  list("mean", "api00", "", "stype"), list("mean", "api00", "", "both"),
  list("total", "enroll", "", "sch_wide"), list("proportion", "awards", "", "stype"),
  list("ratio", "api_stu", "enroll", "both")
)
sc_estimates <- list(
  list("mean", "y", "", ""), list("total", "y", "", ""), list("proportion", "cat3", "", ""),
  list("ratio", "y", "x", ""), list("mean", "y", "", "region"),
  list("mean", "y", "", "agegrp"), list("total", "x", "", "sex"),
  list("proportion", "cat3", "", "region")
)

# ---------------------------------------------------------------------------------------------
# 3. Compute and write
# ---------------------------------------------------------------------------------------------
out <- list()
add <- function(case, est, variable, denominator, by_variable, by, level, statistic, value,
                note = "") {
  out[[length(out) + 1]] <<- data.frame(
    case = case, estimator = est, variable = variable, denominator = denominator,
    by_variable = by_variable, by = by, level = level, statistic = statistic,
    value = if (statistic == "error") "" else if (is.na(value)) "NaN" else fmt(value),
    note = note, stringsAsFactors = FALSE
  )
}

run_estimate <- function(case, design, e) {
  est <- e[[1]]; v <- e[[2]]; den <- e[[3]]; by <- e[[4]]
  f <- as.formula(paste0("~", v))
  fn <- switch(est, mean = svymean, total = svytotal, proportion = svymean)
  if (by == "") {
    if (est == "ratio") {
      r <- svyratio(f, as.formula(paste0("~", den)), design, na.rm = TRUE, deff = "replace")
      add(case, est, v, den, "", "", "", "estimate", coef(r))
      add(case, est, v, den, "", "", "", "se", SE(r))
      add(case, est, v, den, "", "", "", "deff", deff(r))
      return()
    }
    if (est == "proportion") {
      design <- update(design, .tmp = factor(design$variables[[v]]))
      f <- ~.tmp
    }
    r <- fn(f, design, na.rm = TRUE, deff = "replace")
    levels <- if (est == "proportion") sub("^\\.tmp", "", names(coef(r))) else ""
    for (i in seq_along(coef(r))) {
      add(case, est, v, den, "", "", levels[i], "estimate", coef(r)[i])
      add(case, est, v, den, "", "", levels[i], "se", SE(r)[i])
      add(case, est, v, den, "", "", levels[i], "deff", deff(r)[i])
    }
    return()
  }
  byf <- as.formula(paste0("~", by))
  if (est == "ratio") {
    r <- svyby(f, byf, design, svyratio, denominator = as.formula(paste0("~", den)),
               na.rm = TRUE, deff = "replace")
    levels <- ""
  } else {
    if (est == "proportion") {
      design <- update(design, .tmp = factor(design$variables[[v]]))
      f <- ~.tmp
    }
    r <- svyby(f, byf, design, fn, na.rm = TRUE, deff = "replace")
    levels <- if (est == "proportion") levels(design$variables$.tmp) else ""
  }
  # columns of the svyby frame: by, ns statistics, ns SEs, ns design effects
  ns <- attr(r, "svyby")$nstats
  stopifnot(ncol(r) == 1 + 3 * ns, length(levels) == ns || ns == 1)
  for (i in seq_len(nrow(r))) {
    dom <- as.character(r[i, 1])
    for (k in seq_len(ns)) {
      add(case, est, v, den, by, dom, levels[k], "estimate", r[i, 1 + k])
      add(case, est, v, den, by, dom, levels[k], "se", r[i, 1 + ns + k])
      add(case, est, v, den, by, dom, levels[k], "deff", r[i, 1 + 2 * ns + k])
    }
  }
}

weights_out <- list()
for (case in names(cases)) {
  spec <- cases[[case]]
  options(survey.lonely.psu = if (is.null(spec$lonely)) "fail" else spec$lonely)
  design <- eval(parse(text = spec$call))
  estimates <- if (spec$data %in% c("apiclus1", "apistrat")) api_estimates else sc_estimates
  for (e in estimates) run_estimate(case, design, e)
  weights_out[[case]] <- data.frame(case = case, row = seq_along(weights(design)),
                                    weight = fmt(weights(design)), stringsAsFactors = FALSE)
}
options(survey.lonely.psu = "fail")

# Expected errors: R stops (we raise CalibrationError).
errors <- list(
  err_ps_absent_level = paste0(
    "postStratify(dclus1, ~stype, data.frame(stype = c('E', 'H', 'M', 'X'), ",
    "Freq = c(4421, 755, 1018, 10)))"),
  err_ps_missing_level = "postStratify(dclus1, ~stype, data.frame(stype = c('E', 'H'), Freq = c(4421, 755)))",
  err_logit_unbounded = "calibrate(dclus1, ~stype + api99, pop_api, calfun = 'logit')",
  err_bounds_unmet = paste0(
    "calibrate(dclus1, ~stype + api99, pop_api, calfun = 'linear', bounds = c(0.9, 1.1))")
)
for (case in names(errors)) {
  message <- tryCatch({
    invisible(capture.output(suppressWarnings(eval(parse(text = errors[[case]])))))
    "no error"
  }, error = function(e) conditionMessage(e))
  add(case, "", "", "", "", "", "", "error", NA, note = gsub("[\r\n,]+", " ", message))
}

golden <- do.call(rbind, out)
header <- c(
  "# golden values for mics_toolkit weight adjustments, written by make_golden_calibration.R; do not edit",
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  "# options: survey.adjust.domain.lonely=FALSE, survey.ultimate.cluster=FALSE; survey.lonely.psu = fail unless the case says",
  "# designs: dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1) | dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat) | dsc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc_n, data = sc) | dscl <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = scl)",
  "# estimates: svymean/svytotal/svyratio(na.rm = TRUE, deff = 'replace'); proportions are svymean of the factor; by = svyby(..., deff = 'replace')"
)
for (case in names(cases)) {
  spec <- cases[[case]]
  header <- c(header, paste0("# case ", case, ": ", spec$call,
                             if (!is.null(spec$lonely)) paste0(" [survey.lonely.psu = ", spec$lonely, "]") else ""))
}
for (case in names(errors)) header <- c(header, paste0("# case ", case, ": ", errors[[case]]))
path <- file.path(golden_dir, "golden_calibration.csv")
writeLines(header, path)
suppressWarnings(write.table(golden, path, sep = ",", row.names = FALSE, quote = FALSE,
                             append = TRUE, col.names = TRUE))
write.csv(do.call(rbind, weights_out), file.path(golden_dir, "weights.csv"), row.names = FALSE,
          quote = FALSE)
cat("wrote", nrow(golden), "statistics and", sum(sapply(weights_out, nrow)), "weights\n")
