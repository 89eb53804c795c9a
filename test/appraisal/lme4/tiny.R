# A six-rating period where REML puts the person variance on the boundary (0); rater.test.ts checks that
# our fit gets there too. Rscript test/appraisal/lme4/tiny.R
suppressMessages(library(lme4))
d <- data.frame(ratee = c("ann", "bob", "cat", "dan", "bob", "cat"), rater = c("mA", "mA", "mB", "mB", "peer1", "peer1"),
                relation = c("manager", "manager", "manager", "manager", "peer", "peer"), y = c(1, .75, .5, .25, .75, .75))
m <- lmer(y ~ relation + (1 | ratee) + (1 | rater), data = d, REML = TRUE)
print(VarCorr(m), digits = 8)
