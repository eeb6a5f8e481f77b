# A multi-stage build whose final stage is FROM the base image and reads the build stage with COPY --from.
FROM localhost/layerlint/base:latest AS build
RUN echo built > /built.txt
COPY a.txt /a.txt

FROM localhost/layerlint/base:latest
COPY --from=build /built.txt /app/built.txt
RUN echo final > /final.txt
CMD ["true"]
