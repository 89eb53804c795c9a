# REML fit of the rater model by lme4 (Debian r-cran-lme4 1.1-31) on the period write-sim.ts prints;
# rater.test.ts compares its own fit with these numbers (all × 100, i.e. points on the 0–100 scale).
suppressMessages(library(lme4))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
m <- lmer(y ~ relation + item + (1 | ratee) + (1 | rater) + (1 | ratee:rater), data = d, REML = TRUE,
          control = lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5)))
vc <- as.data.frame(VarCorr(m))
show <- function(label, x) cat(label, paste(formatC(x, digits = 6, format = "f"), collapse = " "), "\n")
show("sd ratee rater pair residual:", 100 * vc$sdcor[match(c("ratee", "rater", "ratee:rater", "Residual"), vc$grp)])
re <- ranef(m, condVar = TRUE)
for (f in c("ratee", "rater")) {
  k <- c(1, 2, 3, nrow(re[[f]]))
  cat(f, rownames(re[[f]])[k], "\n")
  show("  blup:", 100 * re[[f]][k, 1])
  show("  cond sd:", 100 * sqrt(attr(re[[f]], "postVar")[1, 1, k]))
}
show("fixed (relation manager, peer − customer; items − communication):", 100 * fixef(m)[-1])
