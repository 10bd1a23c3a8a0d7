# make_golden.R -- golden values from R's survey package for the mics_toolkit estimators.
#
# Run from anywhere:  Rscript tests/golden/make_golden.R   (or `make golden`)
#
# 1. Builds the test data from R's own `data(api)` (apistrat, apiclus1, apiclus2) and two small
#    self-made data sets (`nested`: PSU numbers repeat across strata, zero weights, a PSU whose
#    weights are all zero, missing values; `lonely`: the same plus two single-PSU strata), and
#    writes them as CSV into tests/golden/data/.
# 2. Reads those CSV files back and computes every case from the read-back data, so R and the
#    Python tests start from the same parsed numbers.
# 3. Writes tests/golden/golden.csv: '#' header lines (R and survey versions, options), then one
#    row per statistic: case, design, call (the R call evaluated), by (domain of an svyby row,
#    "var=value;var=value"), level (category of a proportion), statistic, value (sprintf "%.17g"),
#    note (R's error message for expected-error cases).
#
# Statistics: estimate, se, ci_lower, ci_upper (Normal unless the case says t), deff
# (deff="replace"), df (degf() used for a t interval), n_unweighted (rows of the domain with
# nonzero weight and a non-missing variable, R's `nobs` in the deff), n_weighted (sum of
# their weights). Expected-error cases have statistic "error" and an empty value.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
golden_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/golden"
data_dir <- file.path(golden_dir, "data")
dir.create(data_dir, showWarnings = FALSE)

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE)

# ---------------------------------------------------------------------------------------------
# 1. Data
# ---------------------------------------------------------------------------------------------
data(api)
api_columns <- function(d) {
  out <- data.frame(
    snum = d$snum, stype = as.character(d$stype), dnum = d$dnum,
    api00 = d$api00, api99 = d$api99, sch_wide = as.character(d$sch.wide),
    awards = as.character(d$awards), both = as.character(d$both), yr_rnd = as.character(d$yr.rnd),
    meals = d$meals, ell = d$ell, enroll = d$enroll, api_stu = d$api.stu,
    avg_ed = d$avg.ed, acs_k3 = d$acs.k3, pw = d$pw,
    stringsAsFactors = FALSE
  )
  out
}

write_data <- function(d, name) {
  write.csv(d, file.path(data_dir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE,
            na = "")
}

apistrat_out <- api_columns(apistrat)
apistrat_out$fpc <- apistrat$fpc
# the first-stage sampling fraction n_h / N_h, written with 17 significant digits
n_h <- ave(rep(1, nrow(apistrat)), apistrat$stype, FUN = sum)
apistrat_out$fpc_fraction <- sprintf("%.17g", n_h / apistrat$fpc)
write_data(apistrat_out, "apistrat")

apiclus1_out <- api_columns(apiclus1)
apiclus1_out$fpc <- apiclus1$fpc
write_data(apiclus1_out, "apiclus1")

write_data(api_columns(apiclus2), "apiclus2")

# Self-made: six strata with 3, 4, 2, 3, 1, 1 PSUs numbered 1..n_h inside each stratum.
# area: stratum 1 urban only, 2 mixed, 3 urban only in PSU 1 (so the urban domain has one PSU
# of stratum 3), 4 rural only, 5 (single PSU) urban only, 6 (single PSU) mixed.
set.seed(20240611)
n_psu <- c(3, 4, 2, 3, 1, 1)
pop_psu <- c(30, 40, 12, 25, 6, 9)
rows <- list()
for (h in seq_along(n_psu)) {
  for (j in seq_len(n_psu[h])) {
    m <- sample(6:12, 1)
    area <- switch(as.character(h),
      "1" = rep(1L, m),
      "2" = sample(1:2, m, replace = TRUE),
      "3" = if (j == 1) rep(1:2, length.out = m) else rep(2L, m),
      "4" = rep(2L, m),
      "5" = rep(1L, m),
      "6" = rep(1:2, length.out = m))
    rows[[length(rows) + 1]] <- data.frame(
      stratum = h, psu = j, area = area,
      y = round(rnorm(m, 40 + 4 * h + 3 * j, 10), 1),
      x = sample(1:8, m, replace = TRUE),
      b = rbinom(m, 1, 0.25 + 0.08 * h),
      grp = sample(c("a", "b", "c"), m, replace = TRUE, prob = c(0.5, 0.3, 0.2)),
      w = round(runif(m, 0.5, 4), 3),
      fpc_n = pop_psu[h]
    )
  }
}
mini <- do.call(rbind, rows)
mini$y[sample(nrow(mini), 10)] <- NA
mini$grp[sample(nrow(mini), 8)] <- NA
mini$w[sample(which(mini$stratum %in% c(1, 2, 4)), 5)] <- 0
mini$w[mini$stratum == 2 & mini$psu == 4] <- 0   # a PSU with no responding household
mini <- cbind(hh = seq_len(nrow(mini)), mini)
write_data(mini[mini$stratum <= 4, ], "nested")
write_data(mini, "lonely")

# ---------------------------------------------------------------------------------------------
# 2. Read back and build the designs
# ---------------------------------------------------------------------------------------------
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
dstrat_frac <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc_fraction,
                         data = apistrat)
dstrat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus2 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus2)
dnest <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = nested)
dlonely <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely)
dlonely_fpc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc_n,
                         nest = TRUE, data = lonely)

design_calls <- list(
  strat = "svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)",
  strat_frac = "svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc_fraction, data = apistrat)",
  strat_nofpc = "svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)",
  clus1 = "svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)",
  clus2 = "svydesign(id = ~dnum, weights = ~pw, data = apiclus2)",
  nested = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = nested)",
  lonely = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely)",
  lonely_fpc = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc_n, nest = TRUE, data = lonely)"
)
design_objects <- list(strat = "dstrat", strat_frac = "dstrat_frac", strat_nofpc = "dstrat_nofpc",
                       clus1 = "dclus1", clus2 = "dclus2", nested = "dnest",
                       lonely = "dlonely", lonely_fpc = "dlonely_fpc")

# ---------------------------------------------------------------------------------------------
# 3. Recording helpers
# ---------------------------------------------------------------------------------------------
out <- list()
case_names <- character(0)

# 17 significant digits; "NaN" for an undefined value (0/0), "" only for expected errors
format_value <- function(value) {
  if (is.nan(value)) "NaN" else if (is.na(value)) "" else sprintf("%.17g", value)
}

add <- function(case, design, call, statistic, value, by = "", level = "", note = "") {
  value <- as.numeric(value)
  out[[length(out) + 1]] <<- data.frame(
    case = case, design = design, call = call, by = by, level = level,
    statistic = statistic, value = format_value(value),
    note = note, stringsAsFactors = FALSE)
}

deparse_call <- function(expr) paste(trimws(deparse(expr, width.cutoff = 500L)), collapse = " ")

start_case <- function(case, lonely_psu) {
  if (case %in% case_names) stop("duplicate case ", case)
  case_names <<- c(case_names, case)
  options(survey.lonely.psu = lonely_psu)
}

call_text <- function(expr, lonely_psu, df_text = NULL) {
  text <- deparse_call(expr)
  if (!is.null(df_text)) text <- paste0("confint(", text, ", df = ", df_text, ")")
  paste0("options(survey.lonely.psu = \"", lonely_psu, "\"); ", text)
}

# svystat (svymean/svytotal) or svyratio, whole design or a subset; `levels` names the rows of
# coef() (category codes of a factor), "" for a single statistic.
# ci_df = Inf gives R's default Normal interval confint(x); a finite ci_df gives
# confint(x, df = ci_df) and records ci_df as statistic "df".
stat_case <- function(case, design, expr, levels = "", ci_df = Inf, df_text = NULL,
                      lonely_psu = "fail", counts = NULL) {
  start_case(case, lonely_psu)
  res <- eval(expr)
  call <- call_text(expr, lonely_psu, df_text)
  est <- coef(res)
  se <- SE(res)
  ci <- confint(res, df = ci_df)
  dff <- deff(res, quietly = TRUE)  # the diagonal for a factor's categories
  for (k in seq_along(est)) {
    lev <- levels[min(k, length(levels))]
    add(case, design, call, "estimate", est[k], level = lev)
    add(case, design, call, "se", se[k], level = lev)
    add(case, design, call, "ci_lower", ci[k, 1], level = lev)
    add(case, design, call, "ci_upper", ci[k, 2], level = lev)
    if (!is.null(dff)) add(case, design, call, "deff", as.vector(dff)[k], level = lev)
    if (is.finite(ci_df)) add(case, design, call, "df", ci_df, level = lev)
    if (!is.null(counts)) {
      add(case, design, call, "n_unweighted", counts$n, level = lev)
      add(case, design, call, "n_weighted", counts$nw, level = lev)
    }
  }
}

# Domain counts as R's deff uses them: rows with nonzero weight and non-missing `variable`.
domain_counts <- function(design, variable) {
  w <- weights(design, "sampling")
  ok <- !is.na(design$variables[[variable]])
  list(n = sum(w != 0 & ok), nw = sum(w[ok]))
}

# svyby with vartype = c("se", "ci"): by columns, nstats statistics, nstats se, nstats ci_l,
# nstats ci_u, nstats DEff. ci_df finite: t interval confint(res, df = ci_df) instead.
by_case <- function(case, design, expr, levels = "", ci_df = Inf, df_text = NULL,
                    lonely_psu = "fail", count_variable = NULL, count_design = NULL) {
  start_case(case, lonely_psu)
  res <- eval(expr)
  call <- call_text(expr, lonely_psu, df_text)
  info <- attr(res, "svyby")
  nb <- length(info$margins)
  ns <- info$nstats
  nd <- nrow(res)
  by_names <- names(res)[seq_len(nb)]
  has_deff <- ncol(res) == nb + 5 * ns
  if (is.finite(ci_df)) tci <- confint(res, df = ci_df)
  for (i in seq_len(nd)) {
    by <- paste(paste0(by_names, "=", sapply(res[i, seq_len(nb), drop = FALSE], as.character)),
                collapse = ";")
    for (k in seq_len(ns)) {
      lev <- levels[min(k, length(levels))]
      col <- function(block) res[i, nb + block * ns + k]
      add(case, design, call, "estimate", col(0), by, lev)
      add(case, design, call, "se", col(1), by, lev)
      if (is.finite(ci_df)) {
        add(case, design, call, "ci_lower", tci[(k - 1) * nd + i, 1], by, lev)
        add(case, design, call, "ci_upper", tci[(k - 1) * nd + i, 2], by, lev)
        add(case, design, call, "df", ci_df, by, lev)
      } else {
        add(case, design, call, "ci_lower", col(2), by, lev)
        add(case, design, call, "ci_upper", col(3), by, lev)
      }
      if (has_deff) add(case, design, call, "deff", col(4), by, lev)
      if (!is.null(count_variable)) {
        d <- get(count_design)
        keep <- rep(TRUE, nrow(d$variables))
        for (b in by_names) keep <- keep & as.character(d$variables[[b]]) == as.character(res[i, b])
        cnt <- domain_counts(d[keep, ], count_variable)
        add(case, design, call, "n_unweighted", cnt$n, by, lev)
        add(case, design, call, "n_weighted", cnt$nw, by, lev)
      }
    }
  }
}

# svyciprop on a subset design: estimate, se, its own interval, the df it used.
ciprop_case <- function(case, design, expr, df_expr, level = "", lonely_psu = "fail") {
  start_case(case, lonely_psu)
  res <- eval(expr)
  call <- call_text(expr, lonely_psu)
  ci <- attr(res, "ci")
  add(case, design, call, "estimate", as.vector(res), level = level)
  add(case, design, call, "se", SE(res), level = level)
  add(case, design, call, "ci_lower", ci[1], level = level)
  add(case, design, call, "ci_upper", ci[2], level = level)
  add(case, design, call, "df", eval(df_expr), level = level)
}

degf_case <- function(case, design, expr) {
  start_case(case, "fail")
  add(case, design, call_text(expr, "fail"), "df", eval(expr))
}

error_case <- function(case, design, expr, lonely_psu = "fail") {
  start_case(case, lonely_psu)
  msg <- tryCatch({
    eval(expr)
    NULL
  }, error = function(e) conditionMessage(e))
  if (is.null(msg)) stop("case ", case, " was expected to fail in R but did not")
  add(case, design, call_text(expr, lonely_psu), "error", NA, note = gsub("[\r\n]+", " ", msg))
}

# ---------------------------------------------------------------------------------------------
# 4. Cases
# ---------------------------------------------------------------------------------------------
## Stratified, no clusters, fpc as a population count (apistrat)
stat_case("strat_mean", "strat", quote(svymean(~api00, dstrat, deff = "replace")),
          counts = domain_counts(dstrat, "api00"))
stat_case("strat_total", "strat", quote(svytotal(~enroll, dstrat, deff = "replace")),
          counts = domain_counts(dstrat, "enroll"))
stat_case("strat_mean_tci", "strat", quote(svymean(~api00, dstrat)), ci_df = degf(dstrat),
          df_text = "degf(dstrat)")
stat_case("strat_frac_mean", "strat_frac",
          quote(svymean(~api00, dstrat_frac, deff = "replace")),
          counts = domain_counts(dstrat_frac, "api00"))
stat_case("strat_frac_total", "strat_frac",
          quote(svytotal(~enroll, dstrat_frac, deff = "replace")))
stat_case("strat_nofpc_mean", "strat_nofpc",
          quote(svymean(~api00, dstrat_nofpc, deff = "replace")))
stat_case("strat_ratio", "strat",
          quote(svyratio(~api00, ~api99, dstrat, deff = "replace")))
stat_case("strat_prop", "strat", quote(svymean(~both, dstrat, deff = "replace")),
          levels = c("No", "Yes"), counts = domain_counts(dstrat, "both"))
by_case("strat_by_mean", "strat",
        quote(svyby(~api00, ~awards, dstrat, svymean, deff = "replace",
                    vartype = c("se", "ci"))),
        count_variable = "api00", count_design = "dstrat")
by_case("strat_by2_mean", "strat_nofpc",
        quote(svyby(~meals, ~stype + yr_rnd, dstrat_nofpc, svymean, deff = "replace",
                    vartype = c("se", "ci"))),
        count_variable = "meals", count_design = "dstrat_nofpc")

## One-stage cluster sample with fpc (apiclus1)
stat_case("clus1_mean", "clus1", quote(svymean(~api00, dclus1, deff = "replace")),
          counts = domain_counts(dclus1, "api00"))
stat_case("clus1_total_tci", "clus1", quote(svytotal(~enroll, dclus1, deff = "replace")),
          ci_df = degf(dclus1), df_text = "degf(dclus1)")
stat_case("clus1_ratio", "clus1", quote(svyratio(~api_stu, ~enroll, dclus1, deff = "replace")))
stat_case("clus1_mean_na", "clus1", quote(svymean(~avg_ed, dclus1, na.rm = TRUE, deff = "replace")),
          counts = domain_counts(dclus1, "avg_ed"))
by_case("clus1_by_mean", "clus1",
        quote(svyby(~api00, ~stype, dclus1, svymean, deff = "replace", vartype = c("se", "ci"))),
        count_variable = "api00", count_design = "dclus1")
by_case("clus1_by_mean_tci", "clus1",
        quote(svyby(~api00, ~stype, dclus1, svymean, vartype = c("se", "ci"))),
        ci_df = degf(dclus1), df_text = "degf(dclus1)")
by_case("clus1_by_total", "clus1",
        quote(svyby(~enroll, ~stype, dclus1, svytotal, deff = "replace", vartype = c("se", "ci"))),
        count_variable = "enroll", count_design = "dclus1")
by_case("clus1_by_prop", "clus1",
        quote(svyby(~sch_wide, ~stype, dclus1, svymean, deff = "replace", vartype = c("se", "ci"))),
        levels = c("No", "Yes"), count_variable = "sch_wide", count_design = "dclus1")
by_case("clus1_by_ratio", "clus1",
        quote(svyby(~api_stu, ~stype, denominator = ~enroll, dclus1, svyratio, deff = "replace",
                    vartype = c("se", "ci"))))
ciprop_case("clus1_ciprop_logit", "clus1",
            quote(svyciprop(~I(sch_wide == "Yes"), subset(dclus1, stype == "E"), method = "logit")),
            quote(degf(subset(dclus1, stype == "E"))), level = "Yes")
ciprop_case("clus1_ciprop_xlogit", "clus1",
            quote(svyciprop(~I(sch_wide == "Yes"), subset(dclus1, stype == "E"), method = "xlogit")),
            quote(degf(subset(dclus1, stype == "E"))), level = "Yes")
ciprop_case("clus1_ciprop_beta", "clus1",
            quote(svyciprop(~I(sch_wide == "Yes"), subset(dclus1, stype == "E"), method = "beta")),
            quote(degf(subset(dclus1, stype == "E"))), level = "Yes")
ciprop_case("clus1_ciprop_beta_m90", "clus1",
            quote(svyciprop(~I(sch_wide == "No"), subset(dclus1, stype == "M"), method = "beta",
                            level = 0.9)),
            quote(degf(subset(dclus1, stype == "M"))), level = "No")
by_case("clus1_by_ciprop_beta", "clus1",
        quote(svyby(~I(sch_wide == "Yes"), ~stype, dclus1, svyciprop, method = "beta",
                    vartype = c("se", "ci"))), levels = "Yes")
by_case("clus1_by_ciprop_xlogit", "clus1",
        quote(svyby(~I(sch_wide == "Yes"), ~stype, dclus1, svyciprop, method = "xlogit",
                    vartype = c("se", "ci"))), levels = "Yes")
ciprop_case("strat_ciprop_beta", "strat",
            quote(svyciprop(~I(both == "Yes"), subset(dstrat, meals > 50), method = "beta")),
            quote(degf(subset(dstrat, meals > 50))), level = "Yes")
ciprop_case("strat_ciprop_logit", "strat",
            quote(svyciprop(~I(both == "Yes"), subset(dstrat, meals > 50), method = "logit")),
            quote(degf(subset(dstrat, meals > 50))), level = "Yes")
degf_case("degf_strat", "strat", quote(degf(dstrat)))
degf_case("degf_clus1", "clus1", quote(degf(dclus1)))
degf_case("degf_clus1_sub", "clus1", quote(degf(subset(dclus1, stype == "H"))))

## One-stage cluster sample without fpc, missing values (apiclus2, first stage only)
stat_case("clus2_mean_na", "clus2", quote(svymean(~acs_k3, dclus2, na.rm = TRUE, deff = "replace")),
          counts = domain_counts(dclus2, "acs_k3"))
stat_case("clus2_total_na", "clus2", quote(svytotal(~enroll, dclus2, na.rm = TRUE, deff = "replace")),
          counts = domain_counts(dclus2, "enroll"))
stat_case("clus2_ratio_na", "clus2",
          quote(svyratio(~api_stu, ~enroll, dclus2, na.rm = TRUE, deff = "replace")))
by_case("clus2_by_mean_na", "clus2",
        quote(svyby(~enroll, ~stype, dclus2, svymean, na.rm = TRUE, deff = "replace",
                    vartype = c("se", "ci"))),
        count_variable = "enroll", count_design = "dclus2")

## Stratified cluster sample, PSU numbers repeated across strata (nest = TRUE), zero weights,
## one PSU with all weights zero, missing values
error_case("nested_without_nest", "nested",
           quote(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = nested)))
stat_case("nested_mean_na", "nested", quote(svymean(~y, dnest, na.rm = TRUE, deff = "replace")),
          counts = domain_counts(dnest, "y"))
stat_case("nested_total_na", "nested", quote(svytotal(~y, dnest, na.rm = TRUE, deff = "replace")),
          counts = domain_counts(dnest, "y"))
stat_case("nested_ratio_na", "nested",
          quote(svyratio(~y, ~x, dnest, na.rm = TRUE, deff = "replace")))
stat_case("nested_prop_na", "nested", quote(svymean(~grp, dnest, na.rm = TRUE, deff = "replace")),
          levels = c("a", "b", "c"), counts = domain_counts(dnest, "grp"))
by_case("nested_by_mean_na", "nested",
        quote(svyby(~y, ~area, dnest, svymean, na.rm = TRUE, deff = "replace",
                    vartype = c("se", "ci"))),
        count_variable = "y", count_design = "dnest")
by_case("nested_by_prop_tci", "nested",
        quote(svyby(~grp, ~area, dnest, svymean, na.rm = TRUE, deff = "replace",
                    vartype = c("se", "ci"))),
        levels = c("a", "b", "c"), ci_df = degf(dnest), df_text = "degf(dnest)",
        count_variable = "grp", count_design = "dnest")
ciprop_case("nested_ciprop_beta_na", "nested",
            quote(svyciprop(~I(grp == "a"), subset(dnest, area == 1), method = "beta",
                            na.rm = TRUE)),
            quote(degf(subset(dnest, area == 1))), level = "a")
ciprop_case("nested_ciprop_xlogit", "nested",
            quote(svyciprop(~I(b == 1), subset(dnest, area == 2), method = "xlogit")),
            quote(degf(subset(dnest, area == 2))), level = "1")
degf_case("degf_nested", "nested", quote(degf(dnest)))
degf_case("degf_nested_sub", "nested", quote(degf(subset(dnest, area == 1))))

## Single-PSU strata (strata 5 and 6), every lonely.psu option
error_case("lonely_fail_mean", "lonely", quote(svymean(~y, dlonely, na.rm = TRUE)))
error_case("lonely_fail_by_mean", "lonely",
           quote(svyby(~y, ~area, dlonely, svymean, na.rm = TRUE)))
stat_case("lonely_fail_domain_without_singletons", "lonely",
          quote(svymean(~y, subset(dlonely, stratum <= 4), na.rm = TRUE)))
for (opt in c("remove", "certainty", "adjust", "average")) {
  stat_case(paste0("lonely_", opt, "_mean"), "lonely",
            quote(svymean(~y, dlonely, na.rm = TRUE)), lonely_psu = opt)
  stat_case(paste0("lonely_", opt, "_total"), "lonely",
            quote(svytotal(~y, dlonely, na.rm = TRUE)), lonely_psu = opt)
  by_case(paste0("lonely_", opt, "_by_mean"), "lonely",
          quote(svyby(~y, ~area, dlonely, svymean, na.rm = TRUE, vartype = c("se", "ci"))),
          lonely_psu = opt)
  by_case(paste0("lonely_", opt, "_by_total"), "lonely",
          quote(svyby(~y, ~area, dlonely, svytotal, na.rm = TRUE, vartype = c("se", "ci"))),
          lonely_psu = opt)
}
stat_case("lonely_adjust_fpc_total", "lonely_fpc",
          quote(svytotal(~y, dlonely_fpc, na.rm = TRUE)), lonely_psu = "adjust")
stat_case("lonely_average_fpc_mean", "lonely_fpc",
          quote(svymean(~y, dlonely_fpc, na.rm = TRUE)), lonely_psu = "average")
options(survey.lonely.psu = "fail")

# ---------------------------------------------------------------------------------------------
# 5. Write
# ---------------------------------------------------------------------------------------------
golden <- do.call(rbind, out)
golden_file <- file.path(golden_dir, "golden.csv")
header <- c(
  "# golden values for mics_toolkit, written by tests/golden/make_golden.R; do not edit",
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  "# options: survey.adjust.domain.lonely=FALSE, survey.ultimate.cluster=FALSE; survey.lonely.psu as in each call",
  paste0("# designs: ", paste(sprintf("%s <- %s", unlist(design_objects[names(design_calls)]),
                                       unlist(design_calls)), collapse = " | ")),
  "# data: tests/golden/data/*.csv, read back with read.csv(na.strings = c(\"\", \"NA\"), stringsAsFactors = TRUE)"
)
con <- file(golden_file, "w")
writeLines(header, con)
write.table(golden, con, sep = ",", row.names = FALSE, qmethod = "double", quote = TRUE)
close(con)
cat(sprintf("%d cases, %d statistics written to %s\n", length(unique(golden$case)),
            nrow(golden), golden_file))
