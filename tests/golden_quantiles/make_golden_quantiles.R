# make_golden_quantiles.R -- golden values of R survey's svyquantile for mics_toolkit's
# quantile() and median().
#
# Run from anywhere:  Rscript tests/golden_quantiles/make_golden_quantiles.R
#
# Reads the data sets of tests/golden/data and tests/golden_replicates/data (written by the
# scripts there; nothing is written back), builds Taylor, post-stratified and replicate
# designs, and writes golden_quantiles.csv: '#' header lines (versions, options, the design
# calls, each case's settings, the svyby call each domain case equals), then one row per
# case, domain and probability:
#
#   case, call (the R call evaluated), by ("var=value" of the domain), quantile (the
#   probability), estimate, se, ci_lower, ci_upper (sprintf "%.17g"; "NaN" where R gives NaN;
#   empty where R stops), df (the degrees of freedom R used; empty for df = Inf),
#   error (R's error message where it stops)
#
# A domain case evaluates svyquantile on subset(design, <where> & <by> == value), which is
# what svyby does in each domain; the script checks that svyby gives the same estimates and
# SEs. `df` is "default" (R's degf() of the subset design), "design" (df = degf(design)) or
# "Inf" (Normal). Score intervals are asked one probability at a time, because R stops on the
# first probability whose score test has no sign change (recorded as an error row).
#
# R's svyquantile on a replicate design ignores interval.type and always gives the Woodruff
# "mean" interval (svyquantile.svyrep.design calls woodruffCI without its method). For the
# other Woodruff intervals on replicate designs the script runs R's own woodruffCI with the
# method, through woodruff_rep() below (svyquantile.svyrep.design's code with the method
# passed on); it checks that woodruff_rep(method = "mean") equals svyquantile.

suppressPackageStartupMessages(library(survey))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
golden_dir <- if (length(script)) dirname(normalizePath(script)) else "tests/golden_quantiles"
tests_dir <- dirname(golden_dir)

options(survey.lonely.psu = "fail", survey.adjust.domain.lonely = FALSE,
        survey.ultimate.cluster = FALSE, survey.replicates.mse = FALSE,
        survey.drop.replicates = TRUE)

read_data <- function(folder, name) {
  read.csv(file.path(tests_dir, folder, "data", paste0(name, ".csv")),
           na.strings = c("", "NA"), stringsAsFactors = TRUE)
}

# ---------------------------------------------------------------------------------------------
# Data and designs
# ---------------------------------------------------------------------------------------------
apistrat <- read_data("golden", "apistrat")
apiclus1 <- read_data("golden", "apiclus1")
apiclus2 <- read_data("golden", "apiclus2")
nested <- read_data("golden", "nested")
clustered <- read_data("golden_replicates", "clustered")
pairs <- read_data("golden_replicates", "pairs")
clustered_boot <- merge(clustered, read_data("golden_replicates", "clustered_boot_weights"),
                        by = "hh", sort = FALSE)
clustered_boot <- clustered_boot[order(clustered_boot$hh), ]

design_calls <- c(
  dstrat = "svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc, data = apistrat)",
  dclus1 = "svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1)",
  dclus2 = "svydesign(id = ~dnum, weights = ~pw, data = apiclus2)",
  dnest = "svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = nested)",
  ps_clus1 = paste0("postStratify(dclus1, ~stype, data.frame(stype = c(\"E\", \"H\", \"M\"), ",
                    "Freq = c(4421, 755, 1018)))"),
  ps_nest = paste0("postStratify(svydesign(id = ~psu, strata = ~stratum, weights = ~w, ",
                   "nest = TRUE, data = subset(nested, w > 0)), ~area, ",
                   "data.frame(area = c(1, 2), Freq = c(160, 110)))"),
  jk1_clus1 = "as.svrepdesign(svydesign(id = ~dnum, weights = ~pw, data = apiclus1), type = \"JK1\")",
  jkn_clus = paste0("as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, ",
                    "nest = TRUE, data = clustered), type = \"JKn\")"),
  brr_pairs = paste0("as.svrepdesign(svydesign(id = ~psu, strata = ~stratum, weights = ~w, ",
                     "data = pairs), type = \"BRR\")"),
  boot_clus = paste0("svrepdesign(data = clustered_boot, repweights = \"^rw[0-9]+$\", ",
                     "weights = ~w, type = \"bootstrap\", combined.weights = TRUE)")
)
for (name in names(design_calls)) assign(name, eval(parse(text = design_calls[[name]])))

# R's BRR factors are those stored by tests/golden_replicates (the test builds the design
# from them)
stored <- read_data("golden_replicates", "pairs_brr_factors")
stored <- as.matrix(stored[match(pairs$hh, stored$hh), -1])
if (max(abs(stored - as.matrix(weights(brr_pairs, "replication")))) > 0)
  stop("the BRR factors differ from tests/golden_replicates/data/pairs_brr_factors.csv")

# svyquantile.svyrep.design with woodruffCI's method passed on (see the header)
woodruff_rep <- function(formula, design, quantiles, qrule = "math", method = "mean",
                         alpha = 0.05, df = NULL) {
  x <- model.frame(formula, design$variables, na.action = na.pass)[[1]]
  keep <- !is.na(x)
  design <- design[keep, ]
  x <- x[keep]
  rule <- get(paste0("qrule_", qrule), envir = asNamespace("survey"))
  if (is.null(df)) df <- degf(design)
  qcrit <- if (df == Inf) qnorm else function(...) qt(..., df = df)
  w <- weights(design, "sampling")
  t(sapply(quantiles, function(p) {
    qhat <- rule(x, w, p)
    ci <- survey:::woodruffCI(x, qhat, p, design, rule, alpha, df, method = method)
    c(quantile = qhat, ci = ci, se = diff(ci) / (2 * qcrit(1 - alpha / 2)))
  }))
}

# ---------------------------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------------------------
out <- list()
case_names <- character(0)
svyby_calls <- character(0)
case_lines <- character(0)

format_value <- function(value) {
  if (is.nan(value)) "NaN" else if (is.na(value)) "" else sprintf("%.17g", value)
}

quote_values <- function(values) {
  text <- sapply(values, format)
  if (length(text) == 1) text else paste0("c(", paste(text, collapse = ", "), ")")
}

run_case <- function(case, design_name, variable, quantiles, qrule = "math", interval = "mean",
                     by_variable = "", where = "", df = "default", level = 0.95) {
  if (case %in% case_names) stop("duplicate case ", case)
  case_names <<- c(case_names, case)
  design <- get(design_name)
  replicate <- inherits(design, "svyrep.design")
  alpha <- 1 - level
  values <- design$variables
  keep <- if (nzchar(where)) eval(parse(text = where), values) else rep(TRUE, nrow(values))
  keep <- keep & !is.na(keep)
  domains <- if (nzchar(by_variable)) {
    present <- values[[by_variable]][keep & !is.na(values[[variable]])]
    sort(unique(as.character(present[!is.na(present)])))
  } else ""
  df_text <- switch(df, default = "", design = paste0(", df = degf(", design_name, ")"),
                    "Inf" = ", df = Inf")
  df_value <- switch(df, default = NULL, design = degf(design), "Inf" = Inf)
  rows <- list()
  results <- list()
  settings <- c(design = design_name, variable = variable, qrule = qrule, interval = interval,
                by_variable = by_variable, where = where, df = df, level = format(level))
  case_lines <<- c(case_lines, paste0("# case ", case, ": ",
                                      paste0(names(settings), "=", settings, collapse = "; ")))
  for (domain in domains) {
    condition <- c(if (nzchar(where)) where,
                   if (nzchar(by_variable)) {
                     literal <- if (is.numeric(values[[by_variable]])) domain
                                else paste0("\"", domain, "\"")
                     paste0(by_variable, " == ", literal)
                   })
    sub_text <- if (length(condition))
      paste0("subset(", design_name, ", ", paste(condition, collapse = " & "), ")")
    else design_name
    sub <- eval(parse(text = sub_text))
    by <- if (nzchar(by_variable)) paste0(by_variable, "=", domain) else ""
    rep_method <- replicate && interval %in% c("beta", "xlogit", "asin")
    groups <- if (interval == "score") as.list(quantiles) else list(quantiles)
    # the df svyquantile uses: degf() of the subset after na.rm
    domain_df <- if (is.null(df_value)) degf(sub[!is.na(sub$variables[[variable]]), ])
                 else df_value
    for (group in groups) {
      if (rep_method) {
        call <- paste0("woodruff_rep(~", variable, ", ", sub_text, ", quantiles = ",
                       quote_values(group), options_text(qrule, "mean", alpha),
                       ", method = \"", interval, "\"", df_text, ")")
      } else {
        call <- paste0("svyquantile(~", variable, ", ", sub_text, ", quantiles = ",
                       quote_values(group), options_text(qrule, interval, alpha),
                       ", na.rm = TRUE", df_text, ")")
      }
      result <- tryCatch(
        withCallingHandlers(eval(parse(text = call)), warning = function(w) {
          # R's warnings on jackknife quantiles and on uniroot's infinite score values
          if (grepl("Jackknife|NA/Inf replaced", conditionMessage(w)))
            invokeRestart("muffleWarning")
        }),
        error = function(e) e)
      if (inherits(result, "error")) {
        for (p in group) {
          rows[[length(rows) + 1]] <- list(call, by, p, rep(NA, 4), domain_df,
                                            gsub("[\r\n]+", " ", conditionMessage(result)))
        }
        next
      }
      table <- if (rep_method) result else result[[1]]
      for (k in seq_along(group)) {
        stats <- c(estimate = table[k, 1], se = table[k, 4], ci_lower = table[k, 2],
                   ci_upper = table[k, 3])
        rows[[length(rows) + 1]] <- list(call, by, group[k], stats, domain_df, "")
        results[[paste(domain, group[k])]] <- stats[c("estimate", "se")]
      }
      if (replicate && interval == "mean") {  # woodruff_rep(method = "mean") is svyquantile
        check <- woodruff_rep(as.formula(paste0("~", variable)), sub, group, qrule, "mean",
                              alpha, df_value)
        if (max(abs(check - table), na.rm = TRUE) > 1e-9 * max(abs(table), na.rm = TRUE) ||
            any(is.na(check) != is.na(table)))
          stop("woodruff_rep differs from svyquantile in ", case)
      }
    }
  }
  if (nzchar(by_variable) && !rep_method_case(replicate, interval) &&
      !any(sapply(rows, function(r) nzchar(r[[6]])))) {
    check_svyby(case, design_name, variable, quantiles, qrule, interval, by_variable, where,
                df_text, alpha, results)
  }
  for (row in rows) {
    values <- sapply(as.numeric(row[[4]]), format_value)
    out[[length(out) + 1]] <<- data.frame(
      case = case, call = row[[1]], by = row[[2]], quantile = format(row[[3]]),
      estimate = values[1], se = values[2], ci_lower = values[3], ci_upper = values[4],
      df = if (is.finite(row[[5]])) format_value(row[[5]]) else "", error = row[[6]],
      stringsAsFactors = FALSE)
  }
}

# the arguments of a call that differ from svyquantile's defaults
options_text <- function(qrule, interval, alpha) {
  paste0(if (qrule != "math") paste0(", qrule = \"", qrule, "\""),
         if (interval != "mean") paste0(", interval.type = \"", interval, "\""),
         if (abs(alpha - 0.05) > 1e-12) paste0(", alpha = ", format(alpha)))
}

rep_method_case <- function(replicate, interval) {
  replicate && interval %in% c("beta", "xlogit", "asin")
}

# every domain case equals svyby over the domains (estimates and SEs)
check_svyby <- function(case, design_name, variable, quantiles, qrule, interval, by_variable,
                        where, df_text, alpha, results) {
  design_text <- if (nzchar(where)) paste0("subset(", design_name, ", ", where, ")")
                 else design_name
  call <- paste0("svyby(~", variable, ", ~", by_variable, ", ", design_text,
                 ", svyquantile, quantiles = ", quote_values(quantiles),
                 options_text(qrule, interval, alpha), ", na.rm = TRUE", df_text, ")")
  by_result <- tryCatch(suppressWarnings(eval(parse(text = call))),
                        error = function(e) stop(case, ": ", conditionMessage(e)))
  n_stats <- attr(by_result, "svyby")$nstats
  labels <- as.character(by_result[[by_variable]])
  for (name in names(results)) {
    parts <- strsplit(name, " ")[[1]]
    i <- match(parts[1], labels)
    k <- match(as.numeric(parts[2]), quantiles)
    got <- c(by_result[i, 1 + k], by_result[i, 1 + n_stats + k])
    want <- unname(results[[name]])
    same <- (is.na(got) & is.na(want)) | abs(got - want) <= 1e-12 * pmax(1, abs(want))
    if (is.na(i) || !all(same)) stop("svyby differs from the subset calls in ", case, " (", name, ")")
  }
  svyby_calls <<- c(svyby_calls, paste0(case, ": ", call))
}

# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------
all_rules <- c("math", "school", "shahvaish", paste0("hf", 1:9))
some_rules <- c("math", "school", "hf4", "hf7", "shahvaish")
tails <- c(0.01, 0.25, 0.5, 0.9, 0.99)
woodruff <- c("mean", "beta", "xlogit", "asin")

# stratified, no clusters, fpc: every rule with the mean and beta intervals; every interval
# with five rules; the tails p = 0.01 and 0.99 everywhere
for (rule in all_rules) for (interval in c("mean", "beta"))
  run_case(paste("strat", rule, interval, sep = "_"), "dstrat", "api00", tails, rule, interval)
for (rule in some_rules) for (interval in c("xlogit", "asin", "score"))
  run_case(paste("strat", rule, interval, sep = "_"), "dstrat", "api00", tails, rule, interval)
# many ties (ell: integers, percent of English language learners)
for (rule in all_rules)
  run_case(paste("strat_ties", rule, sep = "_"), "dstrat", "ell", tails, rule, "mean")
run_case("strat_ties_beta", "dstrat", "ell", tails, "school", "beta")
# domains crossing strata (svyby)
for (interval in c(woodruff, "score"))
  run_case(paste0("strat_by_", interval), "dstrat", "api00", c(0.1, 0.5, 0.9), "math",
           interval, by_variable = "awards")

# one-stage cluster sample with fpc
for (rule in all_rules)
  run_case(paste("clus1", rule, "mean", sep = "_"), "dclus1", "api00", tails, rule, "mean")
for (rule in c("math", "hf7")) for (interval in c("beta", "xlogit", "asin", "score"))
  run_case(paste("clus1", rule, interval, sep = "_"), "dclus1", "api00", tails, rule, interval)
for (rule in c("math", "school", "hf6", "hf8")) for (interval in c(woodruff, "score"))
  run_case(paste("clus1_by", rule, interval, sep = "_"), "dclus1", "api00",
           c(0.05, 0.25, 0.5, 0.75, 0.95), rule, interval, by_variable = "stype")
for (interval in c("mean", "beta", "xlogit"))
  run_case(paste0("clus1_by_design_df_", interval), "dclus1", "enroll", c(0.25, 0.5, 0.75),
           "math", interval, by_variable = "stype", df = "design")
for (interval in c("mean", "asin", "score"))
  run_case(paste0("clus1_by_normal_", interval), "dclus1", "enroll", c(0.25, 0.5, 0.75),
           "hf7", interval, by_variable = "stype", df = "Inf")
for (interval in c("mean", "beta", "score"))
  run_case(paste0("clus1_by_level90_", interval), "dclus1", "api00", c(0.1, 0.5, 0.9),
           "math", interval, by_variable = "stype", level = 0.9)
for (interval in c("mean", "beta", "score"))
  run_case(paste0("clus1_where_", interval), "dclus1", "api00", c(0.25, 0.5, 0.75), "math",
           interval, where = "meals > 50")

# missing values (acs_k3 missing for 44 of 126 schools): df and n of the rows with a value
for (interval in c(woodruff, "score"))
  run_case(paste0("clus2_na_", interval), "dclus2", "acs_k3", c(0.1, 0.5, 0.9), "math", interval)
for (interval in c("mean", "beta", "score"))
  run_case(paste0("clus2_na_by_", interval), "dclus2", "acs_k3", c(0.25, 0.5, 0.75), "hf7",
           interval, by_variable = "awards")
run_case("clus2_na_design_df", "dclus2", "acs_k3", c(0.25, 0.5, 0.75), "math", "mean",
         df = "design")

# nest, zero weights, a PSU of zero weight, missing y and grp
for (rule in c("math", "school", "hf3", "hf5", "hf9")) for (interval in c(woodruff, "score"))
  run_case(paste("nested_by", rule, interval, sep = "_"), "dnest", "y", c(0.1, 0.5, 0.9),
           rule, interval, by_variable = "grp")
for (interval in c("mean", "beta", "score"))
  run_case(paste0("nested_where_", interval), "dnest", "y", c(0.25, 0.5, 0.75), "math",
           interval, where = "x >= 3")

# post-stratified designs: R's subset of a calibrated design keeps every row
for (rule in c("math", "hf7")) for (interval in c(woodruff, "score"))
  run_case(paste("ps_clus1", rule, interval, sep = "_"), "ps_clus1", "api00",
           c(0.1, 0.25, 0.5, 0.75, 0.9), rule, interval)
for (interval in c(woodruff, "score"))
  run_case(paste0("ps_clus1_by_", interval), "ps_clus1", "api00", c(0.25, 0.5, 0.75), "math",
           interval, by_variable = "awards")
for (interval in c("mean", "beta", "score"))
  run_case(paste0("ps_clus1_where_", interval), "ps_clus1", "api00", c(0.25, 0.5, 0.75),
           "math", interval, by_variable = "stype", where = "meals > 50")
# (ps_nest keeps the rows of positive weight: R 4.1-1's svyrecvar gives a row of zero weight
# in the data the residual -mean of its post-stratum, as it sets such weights to 1, where
# mics_toolkit's calibrated variance gives it 0)
for (interval in c(woodruff, "score"))
  run_case(paste0("ps_nest_by_", interval), "ps_nest", "y", c(0.25, 0.5, 0.75), "math",
           interval, by_variable = "grp")

# replicate designs
for (rule in c("math", "hf7")) for (interval in c(woodruff, "quantile"))
  run_case(paste("jk1_clus1", rule, interval, sep = "_"), "jk1_clus1", "api00", tails, rule,
           interval)
for (interval in c(woodruff, "quantile"))
  run_case(paste0("jk1_clus1_by_", interval), "jk1_clus1", "api00", c(0.25, 0.5, 0.75),
           "math", interval, by_variable = "stype")
for (rule in c("math", "school", "hf6")) for (interval in c(woodruff, "quantile"))
  run_case(paste("jkn_clus_by", rule, interval, sep = "_"), "jkn_clus", "y", c(0.1, 0.5, 0.9),
           rule, interval, by_variable = "grp")
run_case("jkn_clus_design_df", "jkn_clus", "y", c(0.25, 0.5, 0.75), "math", "mean",
         by_variable = "grp", df = "design")
for (interval in c("mean", "asin", "quantile"))
  run_case(paste0("jkn_clus_where_", interval), "jkn_clus", "y", c(0.25, 0.5, 0.75), "math",
           interval, by_variable = "area", where = "x >= 3")
for (interval in c(woodruff, "quantile"))
  run_case(paste0("brr_pairs_", interval), "brr_pairs", "y", tails, "math", interval)
for (interval in c("mean", "quantile"))
  run_case(paste0("brr_pairs_by_", interval), "brr_pairs", "y", c(0.25, 0.5, 0.75), "hf4",
           interval, by_variable = "region")
for (interval in c("mean", "beta", "quantile"))
  run_case(paste0("boot_clus_by_", interval), "boot_clus", "y", c(0.25, 0.5, 0.75), "math",
           interval, by_variable = "area")

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
golden <- do.call(rbind, out)
path <- file.path(golden_dir, "golden_quantiles.csv")
header <- c(
  paste0("# golden values for mics_toolkit quantiles, written by ",
         "tests/golden_quantiles/make_golden_quantiles.R; do not edit"),
  paste0("# R: ", R.version.string),
  paste0("# survey: ", as.character(packageVersion("survey"))),
  paste0("# options: survey.lonely.psu=\"fail\", survey.adjust.domain.lonely=FALSE, ",
         "survey.ultimate.cluster=FALSE, survey.replicates.mse=FALSE"),
  paste0("# data: tests/golden/data/{apistrat,apiclus1,apiclus2,nested}.csv and ",
         "tests/golden_replicates/data/{clustered,pairs}.csv (clustered_boot: clustered with ",
         "clustered_boot_weights.csv), read with read.csv(na.strings = c(\"\", \"NA\"), ",
         "stringsAsFactors = TRUE)"),
  paste0("# design ", names(design_calls), ": ", names(design_calls), " <- ", design_calls),
  case_lines,
  paste0("# svyby ", svyby_calls)
)
writeLines(header, path)
suppressWarnings(write.table(golden, path, sep = ",", row.names = FALSE, qmethod = "double", append = TRUE,
            na = ""))
cat("wrote", nrow(golden), "rows of", length(case_names), "cases to", path, "\n")
