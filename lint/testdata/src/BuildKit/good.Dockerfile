# check=skip=JSONArgsRecommended
FROM registry.example.invalid/team/base:1.0 AS builder
# layerlint ignore=StageNameCasing,FromAsCasing
FROM registry.example.invalid/team/base:1.0 as Other
CMD run --fast
