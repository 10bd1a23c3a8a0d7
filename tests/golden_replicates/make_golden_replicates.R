# make_golden_replicates.R -- golden values from R's survey package for replicate-weight designs.
#
# Run from anywhere:  Rscript tests/golden_replicates/make_golden_replicates.R
#
# 1. Builds the test data (R's data(api) apiclus1 and apistrat, and three self-made sets:
#    `pairs`, 12 strata x 2 PSUs for BRR and Fay; `clustered`, 6 strata of 2-5 PSUs numbered
#    within strata, zero weights, a PSU of zero weight, missing values and a domain held by one
#    PSU; `lonely`, the same plus two single-PSU strata), writes them as CSV into data/.
# 2. Reads them back, converts the Taylor designs with as.svrepdesign (JK1, JKn, BRR, Fay,
#    subbootstrap) and exports the replicate weights R made (factors per row and the analysis
#    weights) as CSV, then reads those back with svrepdesign (the "supplied weights" path).
# 3. Writes golden.csv: '#' header lines (versions, options, designs), then one row per
#    statistic: case, design, call, by, level, statistic, value (sprintf "%.17g"), note.
#
# Statistics: estimate, se, ci_lower, ci_upper (Normal unless the case says t), df (degf()
# of the replicate design, or of the subset design for svyciprop cases), deff, and for design
# cases replicates / scale. The deff is written in mics_toolkit's convention: the replicate
# variance over the with-replacement SRS variance of R's Taylor deff="replace" on the same
# weights, V_rep / (V_taylor / deff_taylor), i.e. n = rows of nonzero weight. Where the data
# have no zero weights this equals R's own replicate deff (the script stops if it does not);
# R's replicate designs count zero-weight rows in n, and R 4.1-1's svyratio on a replicate
# design fails with deff = "replace".

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
golden_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/golden_replicates"
data_dir <- file.path(golden_dir, "data")
dir.create(data_dir, showWarnings = FALSE)

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE, survey.replicates.mse = FALSE,
        survey.drop.replicates = TRUE)

# ---------------------------------------------------------------------------------------------
# 1. Data
# ---------------------------------------------------------------------------------------------
write_data <- function(d, name) {
  write.csv(d, file.path(data_dir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE,
            na = "")
}
read_data <- function(name) {
  read.csv(file.path(data_dir, paste0(name, ".csv")), na.strings = c("", "NA"),
           stringsAsFactors = TRUE)
}

data(api)
api_columns <- function(d) {
  data.frame(
    snum = d$snum, stype = as.character(d$stype), dnum = d$dnum,
    api00 = d$api00, api99 = d$api99, sch_wide = as.character(d$sch.wide),
    awards = as.character(d$awards), both = as.character(d$both),
    enroll = d$enroll, api_stu = d$api.stu, avg_ed = d$avg.ed, pw = d$pw, fpc = d$fpc,
    stringsAsFactors = FALSE
  )
}
write_data(api_columns(apiclus1), "apiclus1")
write_data(api_columns(apistrat), "apistrat")

set.seed(20240612)
rows <- list()
for (h in 1:12) {
  for (j in 1:2) {
    m <- sample(5:12, 1)
    rows[[length(rows) + 1]] <- data.frame(
      stratum = h, psu = 100 * h + j, region = (h - 1) %/% 4 + 1,
      area = sample(1:2, m, replace = TRUE, prob = c(0.4, 0.6)),
      y = round(rnorm(m, 50 + 2 * h + 4 * j, 12), 1),
      x = sample(1:9, m, replace = TRUE),
      b = rbinom(m, 1, 0.3 + 0.03 * h),
      grp = sample(c("a", "b", "c"), m, replace = TRUE, prob = c(0.5, 0.3, 0.2)),
      w = round(runif(m, 0.5, 5), 3)
    )
  }
}
pairs <- do.call(rbind, rows)
pairs$y[sample(nrow(pairs), 8)] <- NA
pairs$grp[sample(nrow(pairs), 6)] <- NA
pairs <- cbind(hh = seq_len(nrow(pairs)), pairs)
write_data(pairs, "pairs")

# clustered: strata 1-6 with 3, 4, 2, 5, 3, 4 PSUs numbered 1..n_h (nest = TRUE); lonely adds
# strata 7 and 8 with one PSU each. `small` is 1 only in PSU 2 of stratum 1 and PSU 1 of
# stratum 3, so that some bootstrap replicates hold none of it.
n_psu <- c(3, 4, 2, 5, 3, 4, 1, 1)
pop_psu <- c(20, 30, 10, 40, 9, 25, 5, 3)
rows <- list()
for (h in seq_along(n_psu)) {
  for (j in seq_len(n_psu[h])) {
    m <- sample(5:11, 1)
    rows[[length(rows) + 1]] <- data.frame(
      stratum = h, psu = j, area = sample(1:2, m, replace = TRUE),
      small = if ((h == 1 && j == 2) || (h == 3 && j == 1)) 1L else 2L,
      y = round(rnorm(m, 40 + 3 * h + 2 * j, 10), 1),
      x = sample(1:8, m, replace = TRUE),
      grp = sample(c("a", "b", "c"), m, replace = TRUE, prob = c(0.45, 0.35, 0.2)),
      w = round(runif(m, 0.5, 4), 3),
      fpc_n = pop_psu[h]
    )
  }
}
lonely <- do.call(rbind, rows)
lonely$y[sample(nrow(lonely), 9)] <- NA
lonely$grp[sample(nrow(lonely), 7)] <- NA
lonely$w[sample(which(lonely$stratum %in% c(2, 4, 6)), 5)] <- 0
lonely$w[lonely$stratum == 4 & lonely$psu == 5] <- 0   # a PSU with no responding household
lonely <- cbind(hh = seq_len(nrow(lonely)), lonely)
write_data(lonely[lonely$stratum <= 6, ], "clustered")
write_data(lonely, "lonely")

apiclus1 <- read_data("apiclus1")
apistrat <- read_data("apistrat")
pairs <- read_data("pairs")
clustered <- read_data("clustered")
lonely <- read_data("lonely")

# ---------------------------------------------------------------------------------------------
# 2. Designs
# ---------------------------------------------------------------------------------------------
dclus1 <- svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)
dclus1_nofpc <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)
dstrat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
dpairs <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = pairs)
dclus <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = clustered)
dlonely <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely)
dlonely_fpc <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE,
                         fpc = ~fpc_n, data = lonely)

design_calls <- c(
  jk1_clus1 = "as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1), type = \"JK1\")",
  jk1_clus1_nofpc = "as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = apiclus1), type = \"JK1\")",
  jkn_strat = "as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat), type = \"JKn\")",
  jkn_strat_nofpc = "as.svrepdesign(svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat), type = \"JKn\")",
  jkn_clus = "as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = clustered), type = \"JKn\")",
  jkn_lonely_OPTION = "options(survey.lonely.psu = OPTION); as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = lonely), type = \"JKn\")",
  jkn_lonely_fpc_average = "options(survey.lonely.psu = \"average\"); as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, fpc = ~fpc_n, data = lonely), type = \"JKn\")",
  brr_pairs = "as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = pairs), type = \"BRR\")",
  fay_pairs = "as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = pairs), type = \"Fay\", fay.rho = 0.3)",
  brr_pairs_supplied = "svrepdesign(data = pairs_brr, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"BRR\", combined.weights = TRUE)",
  brr_pairs_supplied_mse = "svrepdesign(data = pairs_brr, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"BRR\", combined.weights = TRUE, mse = TRUE)",
  fay_pairs_supplied = "svrepdesign(data = pairs_fay, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"Fay\", rho = 0.3, combined.weights = TRUE)",
  boot_pairs_supplied = "svrepdesign(data = pairs_boot, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"bootstrap\", combined.weights = TRUE) with the weights of set.seed(7); as.svrepdesign(dpairs, type = \"subbootstrap\", replicates = 40)",
  boot_clus_supplied = "svrepdesign(data = clustered_boot, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"bootstrap\", combined.weights = TRUE) with the weights of set.seed(11); as.svrepdesign(dclus, type = \"subbootstrap\", replicates = 30)",
  boot_clus_supplied_mse = "the same with mse = TRUE",
  jkn_clus_supplied = "svrepdesign(data = clustered_jkn, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"JKn\", rscales = rscales of as.svrepdesign(dclus, \"JKn\"), combined.weights = TRUE)",
  jk1_clus1_supplied = "svrepdesign(data = apiclus1_jk1, repweights = \"^rw[0-9]+$\", weights = ~pw, type = \"JK1\", scale = 14/15, combined.weights = TRUE)",
  other_pairs_supplied = "svrepdesign(data = pairs_brr, repweights = \"^rw[0-9]+$\", weights = ~w, type = \"other\", scale = 0.05, rscales = rep(c(1, 0.5), 8), combined.weights = TRUE)"
)

rclus1 <- as.svrepdesign(dclus1, type = "JK1")
rclus1_nofpc <- as.svrepdesign(dclus1_nofpc, type = "JK1")
rstrat <- as.svrepdesign(dstrat, type = "JKn")
rstrat_nofpc <- as.svrepdesign(dstrat_nofpc, type = "JKn")
rclus <- as.svrepdesign(dclus, type = "JKn")
rlonely <- list()
for (opt in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  rlonely[[opt]] <- as.svrepdesign(dlonely, type = "JKn")
}
options(survey.lonely.psu = "average")
rlonely_fpc_average <- as.svrepdesign(dlonely_fpc, type = "JKn")
options(survey.lonely.psu = "fail")
rpairs_brr <- as.svrepdesign(dpairs, type = "BRR")
rpairs_fay <- suppressWarnings(as.svrepdesign(dpairs, type = "Fay", fay.rho = 0.3))
set.seed(7)
rpairs_boot <- as.svrepdesign(dpairs, type = "subbootstrap", replicates = 40)
set.seed(11)
rclus_boot <- as.svrepdesign(dclus, type = "subbootstrap", replicates = 30)

# Export R's replicate weights: <name>_weights.csv (hh, rw1..rwR = analysis weights) and
# <name>_factors.csv (hh, f1..fR = replication factors), 17 significant digits.
export_weights <- function(rep, d, key, name) {
  analysis <- weights(rep, "analysis")
  factors <- weights(rep, "replication")
  fmt <- function(m, prefix) {
    out <- as.data.frame(matrix(sprintf("%.17g", m), nrow = nrow(m)))
    names(out) <- paste0(prefix, seq_len(ncol(m)))
    out
  }
  keys <- data.frame(d[[key]])
  names(keys) <- key
  write.csv(cbind(keys, fmt(analysis, "rw")), file.path(data_dir, paste0(name, "_weights.csv")),
            row.names = FALSE, quote = FALSE)
  write.csv(cbind(keys, fmt(factors, "f")), file.path(data_dir, paste0(name, "_factors.csv")),
            row.names = FALSE, quote = FALSE)
}
export_weights(rpairs_brr, pairs, "hh", "pairs_brr")
export_weights(rpairs_fay, pairs, "hh", "pairs_fay")
export_weights(rpairs_boot, pairs, "hh", "pairs_boot")
export_weights(rclus_boot, clustered, "hh", "clustered_boot")
export_weights(rclus, clustered, "hh", "clustered_jkn")
export_weights(rclus1_nofpc, apiclus1, "snum", "apiclus1_jk1")
write.csv(data.frame(rscales = sprintf("%.17g", rclus$rscales)),
          file.path(data_dir, "clustered_jkn_rscales.csv"), row.names = FALSE, quote = FALSE)

supplied <- function(d, key, name) {
  w <- read.csv(file.path(data_dir, paste0(name, "_weights.csv")))
  merge(d, w, by = key, sort = FALSE)[, c(names(d), grep("^rw", names(w), value = TRUE))]
}
pairs_brr <- supplied(pairs, "hh", "pairs_brr")
pairs_fay <- supplied(pairs, "hh", "pairs_fay")
pairs_boot <- supplied(pairs, "hh", "pairs_boot")
clustered_boot <- supplied(clustered, "hh", "clustered_boot")
clustered_jkn <- supplied(clustered, "hh", "clustered_jkn")
apiclus1_jk1 <- supplied(apiclus1, "snum", "apiclus1_jk1")
jkn_rscales <- read.csv(file.path(data_dir, "clustered_jkn_rscales.csv"))$rscales

spairs_brr <- svrepdesign(data = pairs_brr, repweights = "^rw[0-9]+$", weights = ~w,
                          type = "BRR", combined.weights = TRUE)
spairs_brr_mse <- svrepdesign(data = pairs_brr, repweights = "^rw[0-9]+$", weights = ~w,
                              type = "BRR", combined.weights = TRUE, mse = TRUE)
spairs_fay <- svrepdesign(data = pairs_fay, repweights = "^rw[0-9]+$", weights = ~w,
                          type = "Fay", rho = 0.3, combined.weights = TRUE)
spairs_boot <- svrepdesign(data = pairs_boot, repweights = "^rw[0-9]+$", weights = ~w,
                           type = "bootstrap", combined.weights = TRUE)
sclus_boot <- svrepdesign(data = clustered_boot, repweights = "^rw[0-9]+$", weights = ~w,
                          type = "bootstrap", combined.weights = TRUE)
sclus_boot_mse <- svrepdesign(data = clustered_boot, repweights = "^rw[0-9]+$", weights = ~w,
                              type = "bootstrap", combined.weights = TRUE, mse = TRUE)
sclus_jkn <- svrepdesign(data = clustered_jkn, repweights = "^rw[0-9]+$", weights = ~w,
                         type = "JKn", rscales = jkn_rscales, combined.weights = TRUE)
sclus1_jk1 <- svrepdesign(data = apiclus1_jk1, repweights = "^rw[0-9]+$", weights = ~pw,
                          type = "JK1", scale = 14 / 15, combined.weights = TRUE)
spairs_other <- svrepdesign(data = pairs_brr, repweights = "^rw[0-9]+$", weights = ~w,
                            type = "other", scale = 0.05, rscales = rep(c(1, 0.5), 8),
                            combined.weights = TRUE)

# ---------------------------------------------------------------------------------------------
# 3. Recording helpers
# ---------------------------------------------------------------------------------------------
out <- list()
case_names <- character(0)
format_value <- function(value) {
  if (is.nan(value)) "NaN" else if (is.na(value)) "" else sprintf("%.17g", value)
}
add <- function(case, design, call, statistic, value, by = "", level = "", note = "") {
  out[[length(out) + 1]] <<- data.frame(
    case = case, design = design, call = call, by = by, level = level,
    statistic = statistic, value = format_value(as.numeric(value)), note = note,
    stringsAsFactors = FALSE)
}
deparse_call <- function(expr) paste(trimws(deparse(expr, width.cutoff = 500L)), collapse = " ")
start_case <- function(case) {
  if (case %in% case_names) stop("duplicate case ", case)
  case_names <<- c(case_names, case)
}
has_zero_weights <- function(rep) any(weights(rep, "sampling") == 0)

# Our deff: V_rep / V_srs with V_srs = V_taylor / deff_taylor (R's Taylor deff = "replace").
# Where R's replicate statistic has its own deff and the data have no zero weights, check that
# the two agree.
composed_deff <- function(se_rep, se_taylor, deff_taylor, native = NULL, check = FALSE) {
  value <- se_rep^2 / (se_taylor^2 / deff_taylor)
  if (check && !is.null(native)) {
    gap <- max(abs(value - native) / abs(native))
    if (gap > 1e-9) stop("composed deff differs from R's replicate deff by ", gap)
  }
  value
}

# svymean/svytotal/svyratio on a replicate design; `taylor` is the same call on the Taylor
# design with deff = "replace" (for the deff), `ci_df` a finite df for a t interval.
stat_case <- function(case, design, rep, expr, taylor = NULL, levels = "", ci_df = Inf) {
  start_case(case)
  res <- eval(expr)
  call <- deparse_call(expr)
  if (is.finite(ci_df)) call <- paste0("confint(", call, ", df = degf(", design, "))")
  est <- coef(res)
  se <- SE(res)
  ci <- confint(res, df = ci_df)
  if (!is.null(taylor)) {
    tay <- eval(taylor)
    native <- if (!is.null(attr(res, "deff"))) as.vector(deff(res, quietly = TRUE)) else NULL
    dff <- composed_deff(se, SE(tay), as.vector(deff(tay, quietly = TRUE)), native,
                         check = !has_zero_weights(rep))
  }
  for (k in seq_along(est)) {
    lev <- levels[min(k, length(levels))]
    add(case, design, call, "estimate", est[k], level = lev)
    add(case, design, call, "se", se[k], level = lev)
    add(case, design, call, "ci_lower", ci[k, 1], level = lev)
    add(case, design, call, "ci_upper", ci[k, 2], level = lev)
    add(case, design, call, "df", degf(rep), level = lev)
    if (!is.null(taylor)) add(case, design, call, "deff", dff[k], level = lev)
  }
}

# svyby with vartype = c("se", "ci"): by columns, nstats estimates, se, ci_l, ci_u [, DEff].
by_case <- function(case, design, rep, expr, taylor = NULL, levels = "", ci_df = Inf) {
  start_case(case)
  res <- eval(expr)
  call <- deparse_call(expr)
  if (is.finite(ci_df)) call <- paste0("confint(", call, ", df = degf(", design, "))")
  info <- attr(res, "svyby")
  nb <- length(info$margins)
  ns <- info$nstats
  nd <- nrow(res)
  by_names <- names(res)[seq_len(nb)]
  has_deff <- ncol(res) == nb + 5 * ns
  if (is.finite(ci_df)) tci <- confint(res, df = ci_df)
  if (!is.null(taylor)) {
    tay <- eval(taylor)
    if (nrow(tay) != nd) stop("Taylor svyby has other domains in ", case)
  }
  for (i in seq_len(nd)) {
    by <- paste(paste0(by_names, "=", sapply(res[i, seq_len(nb), drop = FALSE], as.character)),
                collapse = ";")
    for (k in seq_len(ns)) {
      lev <- levels[min(k, length(levels))]
      col <- function(r, block) r[i, nb + block * ns + k]
      add(case, design, call, "estimate", col(res, 0), by, lev)
      add(case, design, call, "se", col(res, 1), by, lev)
      if (is.finite(ci_df)) {
        add(case, design, call, "ci_lower", tci[(k - 1) * nd + i, 1], by, lev)
        add(case, design, call, "ci_upper", tci[(k - 1) * nd + i, 2], by, lev)
      } else {
        add(case, design, call, "ci_lower", col(res, 2), by, lev)
        add(case, design, call, "ci_upper", col(res, 3), by, lev)
      }
      add(case, design, call, "df", degf(rep), by, lev)
      if (!is.null(taylor)) {
        native <- if (has_deff) col(res, 4) else NULL
        dff <- composed_deff(col(res, 1), col(tay, 1), tay[i, ncol(tay) - ns + k], native,
                             check = !has_zero_weights(rep))
        add(case, design, call, "deff", dff, by, lev)
      }
    }
  }
}

# svyciprop on a subset of the replicate design: estimate, se, its interval, degf(subset).
ciprop_case <- function(case, design, expr, df_expr, level = "") {
  start_case(case)
  res <- eval(expr)
  call <- deparse_call(expr)
  ci <- attr(res, "ci")
  add(case, design, call, "estimate", as.vector(res), level = level)
  add(case, design, call, "se", SE(res), level = level)
  add(case, design, call, "ci_lower", ci[1], level = level)
  add(case, design, call, "ci_upper", ci[2], level = level)
  add(case, design, call, "df", eval(df_expr), level = level)
}

# Replicate count, scale and degf of a replicate design.
design_case <- function(case, design, rep) {
  start_case(case)
  call <- paste0("design ", design)
  add(case, design, call, "replicates", ncol(weights(rep, "replication")))
  add(case, design, call, "scale", rep$scale)
  add(case, design, call, "df", degf(rep))
}

# ---------------------------------------------------------------------------------------------
# 4. Cases
# ---------------------------------------------------------------------------------------------
## JK1 of a one-stage cluster sample (apiclus1), with and without fpc
design_case("design_jk1_clus1", "jk1_clus1", rclus1)
stat_case("jk1_clus1_mean", "jk1_clus1", rclus1,
          quote(svymean(~api00, rclus1, deff = "replace")),
          quote(svymean(~api00, dclus1, deff = "replace")))
stat_case("jk1_clus1_total_tci", "jk1_clus1", rclus1,
          quote(svytotal(~enroll, rclus1, deff = "replace")),
          quote(svytotal(~enroll, dclus1, deff = "replace")), ci_df = degf(rclus1))
stat_case("jk1_clus1_ratio", "jk1_clus1", rclus1,
          quote(svyratio(~api_stu, ~enroll, rclus1)),
          quote(svyratio(~api_stu, ~enroll, dclus1, deff = "replace")))
stat_case("jk1_clus1_mean_na", "jk1_clus1", rclus1,
          quote(svymean(~avg_ed, rclus1, na.rm = TRUE, deff = "replace")),
          quote(svymean(~avg_ed, dclus1, na.rm = TRUE, deff = "replace")))
by_case("jk1_clus1_by_mean", "jk1_clus1", rclus1,
        quote(svyby(~api00, ~stype, rclus1, svymean, deff = "replace", vartype = c("se", "ci"))),
        quote(svyby(~api00, ~stype, dclus1, svymean, deff = "replace")))
by_case("jk1_clus1_by_prop", "jk1_clus1", rclus1,
        quote(svyby(~sch_wide, ~stype, rclus1, svymean, deff = "replace",
                    vartype = c("se", "ci"))),
        quote(svyby(~sch_wide, ~stype, dclus1, svymean, deff = "replace")),
        levels = c("No", "Yes"))
by_case("jk1_clus1_by_ratio", "jk1_clus1", rclus1,
        quote(svyby(~api_stu, ~stype, denominator = ~enroll, rclus1, svyratio,
                    vartype = c("se", "ci"))))
ciprop_case("jk1_clus1_ciprop_xlogit", "jk1_clus1",
            quote(svyciprop(~I(sch_wide == "Yes"), subset(rclus1, stype == "E"),
                            method = "xlogit")),
            quote(degf(subset(rclus1, stype == "E"))), level = "Yes")
ciprop_case("jk1_clus1_ciprop_beta", "jk1_clus1",
            quote(svyciprop(~I(sch_wide == "Yes"), subset(rclus1, stype == "H"),
                            method = "beta")),
            quote(degf(subset(rclus1, stype == "H"))), level = "Yes")
stat_case("jk1_clus1_nofpc_mean", "jk1_clus1_nofpc", rclus1_nofpc,
          quote(svymean(~api00, rclus1_nofpc, deff = "replace")),
          quote(svymean(~api00, dclus1_nofpc, deff = "replace")))

## JKn of a stratified sample without clusters (apistrat), with and without fpc
design_case("design_jkn_strat", "jkn_strat", rstrat)
stat_case("jkn_strat_mean", "jkn_strat", rstrat,
          quote(svymean(~api00, rstrat, deff = "replace")),
          quote(svymean(~api00, dstrat, deff = "replace")))
stat_case("jkn_strat_total", "jkn_strat", rstrat,
          quote(svytotal(~enroll, rstrat, deff = "replace")),
          quote(svytotal(~enroll, dstrat, deff = "replace")))
stat_case("jkn_strat_ratio", "jkn_strat", rstrat,
          quote(svyratio(~api00, ~api99, rstrat)),
          quote(svyratio(~api00, ~api99, dstrat, deff = "replace")))
stat_case("jkn_strat_prop", "jkn_strat", rstrat,
          quote(svymean(~both, rstrat, deff = "replace")),
          quote(svymean(~both, dstrat, deff = "replace")), levels = c("No", "Yes"))
by_case("jkn_strat_by_mean", "jkn_strat", rstrat,
        quote(svyby(~api00, ~awards, rstrat, svymean, deff = "replace", vartype = c("se", "ci"))),
        quote(svyby(~api00, ~awards, dstrat, svymean, deff = "replace")))
design_case("design_jkn_strat_nofpc", "jkn_strat_nofpc", rstrat_nofpc)
stat_case("jkn_strat_nofpc_mean", "jkn_strat_nofpc", rstrat_nofpc,
          quote(svymean(~api00, rstrat_nofpc, deff = "replace")),
          quote(svymean(~api00, dstrat_nofpc, deff = "replace")))

## JKn of a stratified cluster sample: nest, zero weights, missing values, a one-PSU domain
design_case("design_jkn_clus", "jkn_clus", rclus)
stat_case("jkn_clus_mean_na", "jkn_clus", rclus,
          quote(svymean(~y, rclus, na.rm = TRUE)),
          quote(svymean(~y, dclus, na.rm = TRUE, deff = "replace")))
stat_case("jkn_clus_total_na", "jkn_clus", rclus,
          quote(svytotal(~y, rclus, na.rm = TRUE)),
          quote(svytotal(~y, dclus, na.rm = TRUE, deff = "replace")))
stat_case("jkn_clus_ratio_na", "jkn_clus", rclus,
          quote(svyratio(~y, ~x, rclus, na.rm = TRUE)),
          quote(svyratio(~y, ~x, dclus, na.rm = TRUE, deff = "replace")))
by_case("jkn_clus_by_prop_tci", "jkn_clus", rclus,
        quote(svyby(~grp, ~area, rclus, svymean, na.rm = TRUE, vartype = c("se", "ci"))),
        quote(svyby(~grp, ~area, dclus, svymean, na.rm = TRUE, deff = "replace")),
        levels = c("a", "b", "c"), ci_df = degf(rclus))
by_case("jkn_clus_by_mean_small", "jkn_clus", rclus,
        quote(svyby(~y, ~small, rclus, svymean, na.rm = TRUE, vartype = c("se", "ci"))),
        quote(svyby(~y, ~small, dclus, svymean, na.rm = TRUE, deff = "replace")))
ciprop_case("jkn_clus_ciprop_beta", "jkn_clus",
            quote(svyciprop(~I(grp == "a"), subset(rclus, area == 1), method = "beta",
                            na.rm = TRUE)),
            quote(degf(subset(rclus, area == 1))), level = "a")

## JKn with single-PSU strata, every lonely.psu option (read when the replicates are built)
for (opt in c("remove", "certainty", "adjust", "average")) {
  name <- paste0("jkn_lonely_", opt)
  assign(paste0("r", name), rlonely[[opt]])
  design_case(paste0("design_", name), name, rlonely[[opt]])
  stat_case(paste0(name, "_mean"), name, rlonely[[opt]],
            substitute(svymean(~y, R, na.rm = TRUE), list(R = as.name(paste0("r", name)))))
  stat_case(paste0(name, "_total"), name, rlonely[[opt]],
            substitute(svytotal(~y, R, na.rm = TRUE), list(R = as.name(paste0("r", name)))))
  by_case(paste0(name, "_by_mean"), name, rlonely[[opt]],
          substitute(svyby(~y, ~area, R, svymean, na.rm = TRUE, vartype = c("se", "ci")),
                     list(R = as.name(paste0("r", name)))))
}
design_case("design_jkn_lonely_fpc_average", "jkn_lonely_fpc_average", rlonely_fpc_average)
stat_case("jkn_lonely_fpc_average_mean", "jkn_lonely_fpc_average", rlonely_fpc_average,
          quote(svymean(~y, rlonely_fpc_average, na.rm = TRUE)))

## BRR and Fay built by R (the Hadamard rows may differ from ours: only totals, whose
## variance is the same for every Hadamard matrix, are compared with our own replicates)
design_case("design_brr_pairs", "brr_pairs", rpairs_brr)
stat_case("brr_pairs_total", "brr_pairs", rpairs_brr,
          quote(svytotal(~y, rpairs_brr, na.rm = TRUE, deff = "replace")),
          quote(svytotal(~y, dpairs, na.rm = TRUE, deff = "replace")))
by_case("brr_pairs_by_total", "brr_pairs", rpairs_brr,
        quote(svyby(~x, ~region, rpairs_brr, svytotal, deff = "replace",
                    vartype = c("se", "ci"))),
        quote(svyby(~x, ~region, dpairs, svytotal, deff = "replace")))
design_case("design_fay_pairs", "fay_pairs", rpairs_fay)
stat_case("fay_pairs_total", "fay_pairs", rpairs_fay,
          quote(svytotal(~x, rpairs_fay, deff = "replace")),
          quote(svytotal(~x, dpairs, deff = "replace")))

## R's replicate weights read back with svrepdesign (supplied weights)
design_case("design_brr_pairs_supplied", "brr_pairs_supplied", spairs_brr)
stat_case("brr_pairs_supplied_mean", "brr_pairs_supplied", spairs_brr,
          quote(svymean(~y, spairs_brr, na.rm = TRUE, deff = "replace")),
          quote(svymean(~y, dpairs, na.rm = TRUE, deff = "replace")))
stat_case("brr_pairs_supplied_ratio", "brr_pairs_supplied", spairs_brr,
          quote(svyratio(~y, ~x, spairs_brr, na.rm = TRUE)),
          quote(svyratio(~y, ~x, dpairs, na.rm = TRUE, deff = "replace")))
by_case("brr_pairs_supplied_by_mean", "brr_pairs_supplied", spairs_brr,
        quote(svyby(~y, ~region, spairs_brr, svymean, na.rm = TRUE, deff = "replace",
                    vartype = c("se", "ci"))),
        quote(svyby(~y, ~region, dpairs, svymean, na.rm = TRUE, deff = "replace")))
by_case("brr_pairs_supplied_by_prop_tci", "brr_pairs_supplied", spairs_brr,
        quote(svyby(~grp, ~area, spairs_brr, svymean, na.rm = TRUE, deff = "replace",
                    vartype = c("se", "ci"))),
        quote(svyby(~grp, ~area, dpairs, svymean, na.rm = TRUE, deff = "replace")),
        levels = c("a", "b", "c"), ci_df = degf(spairs_brr))
by_case("brr_pairs_supplied_by_ratio", "brr_pairs_supplied", spairs_brr,
        quote(svyby(~y, ~area, denominator = ~x, spairs_brr, svyratio, na.rm = TRUE,
                    vartype = c("se", "ci"))),
        quote(svyby(~y, ~area, denominator = ~x, dpairs, svyratio, na.rm = TRUE,
                    deff = "replace")))
ciprop_case("brr_pairs_supplied_ciprop_xlogit", "brr_pairs_supplied",
            quote(svyciprop(~I(b == 1), subset(spairs_brr, region == 2), method = "xlogit")),
            quote(degf(subset(spairs_brr, region == 2))), level = "1")
design_case("design_brr_pairs_supplied_mse", "brr_pairs_supplied_mse", spairs_brr_mse)
stat_case("brr_pairs_supplied_mse_mean", "brr_pairs_supplied_mse", spairs_brr_mse,
          quote(svymean(~y, spairs_brr_mse, na.rm = TRUE, deff = "replace")),
          quote(svymean(~y, dpairs, na.rm = TRUE, deff = "replace")))
by_case("brr_pairs_supplied_mse_by_prop", "brr_pairs_supplied_mse", spairs_brr_mse,
        quote(svyby(~grp, ~region, spairs_brr_mse, svymean, na.rm = TRUE, deff = "replace",
                    vartype = c("se", "ci"))),
        quote(svyby(~grp, ~region, dpairs, svymean, na.rm = TRUE, deff = "replace")),
        levels = c("a", "b", "c"))
design_case("design_fay_pairs_supplied", "fay_pairs_supplied", spairs_fay)
stat_case("fay_pairs_supplied_mean", "fay_pairs_supplied", spairs_fay,
          quote(svymean(~y, spairs_fay, na.rm = TRUE, deff = "replace")),
          quote(svymean(~y, dpairs, na.rm = TRUE, deff = "replace")))
by_case("fay_pairs_supplied_by_ratio", "fay_pairs_supplied", spairs_fay,
        quote(svyby(~y, ~region, denominator = ~x, spairs_fay, svyratio, na.rm = TRUE,
                    vartype = c("se", "ci"))))
design_case("design_boot_pairs_supplied", "boot_pairs_supplied", spairs_boot)
stat_case("boot_pairs_supplied_mean", "boot_pairs_supplied", spairs_boot,
          quote(svymean(~y, spairs_boot, na.rm = TRUE, deff = "replace")),
          quote(svymean(~y, dpairs, na.rm = TRUE, deff = "replace")))
by_case("boot_pairs_supplied_by_total", "boot_pairs_supplied", spairs_boot,
        quote(svyby(~x, ~area, spairs_boot, svytotal, deff = "replace", vartype = c("se", "ci"))),
        quote(svyby(~x, ~area, dpairs, svytotal, deff = "replace")))
design_case("design_boot_clus_supplied", "boot_clus_supplied", sclus_boot)
# `small` has no row in some replicates: R drops them ("replicates gave NA results")
by_case("boot_clus_supplied_by_mean_small", "boot_clus_supplied", sclus_boot,
        quote(suppressWarnings(svyby(~y, ~small, sclus_boot, svymean, na.rm = TRUE,
                                     vartype = c("se", "ci")))),
        quote(svyby(~y, ~small, dclus, svymean, na.rm = TRUE, deff = "replace")))
by_case("boot_clus_supplied_mse_by_mean_small", "boot_clus_supplied_mse", sclus_boot_mse,
        quote(suppressWarnings(svyby(~y, ~small, sclus_boot_mse, svymean, na.rm = TRUE,
                                     vartype = c("se", "ci")))),
        quote(svyby(~y, ~small, dclus, svymean, na.rm = TRUE, deff = "replace")))
design_case("design_boot_clus_supplied_mse", "boot_clus_supplied_mse", sclus_boot_mse)
stat_case("boot_clus_supplied_mse_mean", "boot_clus_supplied_mse", sclus_boot_mse,
          quote(svymean(~y, sclus_boot_mse, na.rm = TRUE)),
          quote(svymean(~y, dclus, na.rm = TRUE, deff = "replace")))
by_case("boot_clus_supplied_mse_by_prop", "boot_clus_supplied_mse", sclus_boot_mse,
        quote(svyby(~grp, ~area, sclus_boot_mse, svymean, na.rm = TRUE,
                    vartype = c("se", "ci"))),
        quote(svyby(~grp, ~area, dclus, svymean, na.rm = TRUE, deff = "replace")),
        levels = c("a", "b", "c"))
design_case("design_jkn_clus_supplied", "jkn_clus_supplied", sclus_jkn)
stat_case("jkn_clus_supplied_mean_na", "jkn_clus_supplied", sclus_jkn,
          quote(svymean(~y, sclus_jkn, na.rm = TRUE)))
by_case("jkn_clus_supplied_by_total", "jkn_clus_supplied", sclus_jkn,
        quote(svyby(~y, ~area, sclus_jkn, svytotal, na.rm = TRUE, vartype = c("se", "ci"))))
design_case("design_jk1_clus1_supplied", "jk1_clus1_supplied", sclus1_jk1)
by_case("jk1_clus1_supplied_by_mean", "jk1_clus1_supplied", sclus1_jk1,
        quote(svyby(~api00, ~stype, sclus1_jk1, svymean, deff = "replace",
                    vartype = c("se", "ci"))),
        quote(svyby(~api00, ~stype, dclus1_nofpc, svymean, deff = "replace")))
design_case("design_other_pairs_supplied", "other_pairs_supplied", spairs_other)
stat_case("other_pairs_supplied_mean", "other_pairs_supplied", spairs_other,
          quote(svymean(~y, spairs_other, na.rm = TRUE)))

## Orders of R's hadamard(n): the number of BRR replicates for n strata
start_case("hadamard_orders")
for (n in 0:199) {
  add("hadamard_orders", "", "nrow(survey:::hadamard(n))", "order",
      nrow(survey:::hadamard(n)), level = as.character(n))
}

# ---------------------------------------------------------------------------------------------
# 5. Write
# ---------------------------------------------------------------------------------------------
golden <- do.call(rbind, out)
golden_file <- file.path(golden_dir, "golden_replicates.csv")
header <- c(
  "# golden values for mics_toolkit replicate designs, written by tests/golden_replicates/make_golden_replicates.R; do not edit",
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  "# options: survey.lonely.psu=\"fail\" (except where a design sets it), survey.replicates.mse=FALSE, survey.drop.replicates=TRUE",
  paste0("# designs: ", paste(sprintf("%s = %s", names(design_calls), design_calls),
                              collapse = " | ")),
  "# data: tests/golden_replicates/data/*.csv, read back with read.csv(na.strings = c(\"\", \"NA\"), stringsAsFactors = TRUE)",
  "# deff: V_replicate / (V_taylor / deff_taylor) with R's Taylor deff=\"replace\" on the same weights (n = rows of nonzero weight)"
)
con <- file(golden_file, "w")
writeLines(header, con)
write.table(golden, con, sep = ",", row.names = FALSE, qmethod = "double", quote = TRUE)
close(con)
cat(sprintf("%d cases, %d statistics written to %s\n", length(unique(golden$case)),
            nrow(golden), golden_file))
