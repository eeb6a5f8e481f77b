# want "StageNameCasing" "FromAsCasing"
FROM registry.example.invalid/team/base:1.0 as Builder
# want "MaintainerDeprecated"
MAINTAINER someone@example.com
# want "JSONArgsRecommended"
CMD run --fast
