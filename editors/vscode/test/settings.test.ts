import { strict as assert } from "node:assert";
import { test } from "node:test";
import { BUILDKIT_CHECK_EXTENSIONS, buildkitChecks, initializationOptions, needsRestart, SettingsReader } from "../src/settings";

// reader is a SettingsReader over a flat map, as VS Code's configuration is
// read with keys under "layerlint.".
function reader(values: Record<string, unknown>): SettingsReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

test("defaults: hints on, threshold info, no image or context", () => {
  assert.deepEqual(initializationOptions(reader({})), {
    layerlint: { hints: { size: true, cache: true }, failureThreshold: "info", buildkitChecks: "on" },
  });
});

test("every setting maps to the server's key", () => {
  const got = initializationOptions(
    reader({
      serverPath: "/opt/layerls",
      image: "docker-archive:out/app.tar",
      context: "app",
      "hints.size": false,
      "hints.cache": true,
      failureThreshold: "warning",
      buildkitChecks: "off",
      "trace.server": "verbose",
    }),
  );
  assert.deepEqual(got, {
    layerlint: {
      image: "docker-archive:out/app.tar",
      context: "app",
      hints: { size: false, cache: true },
      failureThreshold: "warning",
      buildkitChecks: "off",
    },
  });
});

test("empty image and context are left out so .layerlint.yaml applies", () => {
  const got = initializationOptions(reader({ image: "  ", context: "" }));
  assert.equal("image" in got.layerlint, false);
  assert.equal("context" in got.layerlint, false);
});

test("an unknown threshold falls back to info", () => {
  assert.equal(initializationOptions(reader({ failureThreshold: "fatal" })).layerlint.failureThreshold, "info");
  assert.equal(initializationOptions(reader({ failureThreshold: "none" })).layerlint.failureThreshold, "none");
});

test("only a new server path needs a restart", () => {
  assert.equal(needsRestart((s) => s === "layerlint.serverPath"), true);
  assert.equal(needsRestart((s) => s === "layerlint.image"), false);
});

test("buildkitChecks auto: off when Docker's extension reports BuildKit's checks, else on", () => {
  const docker = { buildkitChecksReported: true };
  const alone = { buildkitChecksReported: false };
  assert.equal(initializationOptions(reader({}), docker).layerlint.buildkitChecks, "off");
  assert.equal(initializationOptions(reader({ buildkitChecks: "auto" }), alone).layerlint.buildkitChecks, "on");
  assert.equal(buildkitChecks("on", docker), "on", "an explicit on wins");
  assert.equal(buildkitChecks("off", alone), "off", "an explicit off wins");
  assert.equal(buildkitChecks("sometimes", docker), "off", "an unknown value is auto");
  assert.deepEqual(BUILDKIT_CHECK_EXTENSIONS, ["docker.docker"]);
});
