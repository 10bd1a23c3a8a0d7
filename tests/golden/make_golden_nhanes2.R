# Golden values on NHANES II (Stata's nhanes2.dta, ../shared/reference/nhanes2/), a real design
# with PSUs numbered 1, 2 inside each of 31 strata (nest = TRUE). Writes nhanes2_golden.csv.
# Run from the project root: Rscript tests/golden/make_golden_nhanes2.R
suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
path <- file.path("..", "shared", "reference", "nhanes2", "nhanes2.dta")
d <- foreign::read.dta(path, convert.factors = FALSE)
des <- svydesign(id = ~psu, strata = ~strata, weights = ~finalwgt, nest = TRUE, data = d)
rows <- list()
add <- function(case, by, level, stat, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, by = by, level = level, statistic = stat,
                                          value = sprintf("%.17g", value))
}
# overall mean, t interval with design df
m <- svymean(~bpsystol, des, deff = "replace")
ci <- confint(m, df = degf(des))
add("mean_bpsystol", "", "", "estimate", coef(m)); add("mean_bpsystol", "", "", "se", SE(m))
add("mean_bpsystol", "", "", "deff", deff(m)); add("mean_bpsystol", "", "", "ci_lower", ci[1])
add("mean_bpsystol", "", "", "ci_upper", ci[2]); add("mean_bpsystol", "", "", "df", degf(des))
# domain means by region x sex
b <- svyby(~bpsystol, ~region + sex, des, svymean, deff = "replace")
for (i in seq_len(nrow(b))) {
  key <- paste0("region=", b$region[i], ";sex=", b$sex[i])
  add("mean_by_region_sex", key, "", "estimate", b$bpsystol[i])
  add("mean_by_region_sex", key, "", "se", b$se[i])
  add("mean_by_region_sex", key, "", "deff", b[i, "DEff.bpsystol"])
}
# proportion of highbp by race, logit interval with the domain df, and Korn-Graubard
for (r in sort(unique(d$race))) {
  sub <- subset(des, race == r)
  p <- svyciprop(~I(highbp == 1), sub, method = "xlogit")
  kg <- svyciprop(~I(highbp == 1), sub, method = "beta")
  key <- paste0("race=", r)
  add("prop_highbp_race", key, "1", "estimate", coef(p))
  add("prop_highbp_race", key, "1", "se", sqrt(attr(p, "var")))
  add("prop_highbp_race", key, "1", "ci_lower", attr(p, "ci")[1])
  add("prop_highbp_race", key, "1", "ci_upper", attr(p, "ci")[2])
  add("prop_highbp_race", key, "1", "df", degf(sub))
  add("kg_highbp_race", key, "1", "ci_lower", attr(kg, "ci")[1])
  add("kg_highbp_race", key, "1", "ci_upper", attr(kg, "ci")[2])
}
# total and ratio, with deff
t <- svytotal(~highbp, des, deff = "replace")
add("total_highbp", "", "", "estimate", coef(t)); add("total_highbp", "", "", "se", SE(t))
add("total_highbp", "", "", "deff", deff(t))
r <- svyratio(~weight, ~height, des, deff = "replace")
add("ratio_weight_height", "", "", "estimate", coef(r)); add("ratio_weight_height", "", "", "se", SE(r))
add("ratio_weight_height", "", "", "deff", attr(r, "deff"))
out <- do.call(rbind, rows)
con <- file(file.path("tests", "golden", "nhanes2_golden.csv"), "w")
writeLines(c("# golden values on nhanes2.dta, written by tests/golden/make_golden_nhanes2.R; do not edit",
             paste("# R:", R.version.string), paste("# survey:", packageVersion("survey"))), con)
write.csv(out, con, row.names = FALSE)
close(con)
