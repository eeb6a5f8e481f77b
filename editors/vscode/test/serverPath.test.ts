import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { isExecutableFile, resolveServerPath, ServerLookup } from "../src/serverPath";

// lookup is a ServerLookup on a Linux machine where exactly the paths in
// executables exist.
function lookup(over: Partial<ServerLookup>, executables: string[]): ServerLookup {
  return {
    setting: "",
    env: {},
    platform: "linux",
    homedir: "/home/u",
    isExecutable: (p) => executables.includes(p),
    ...over,
  };
}

test("the first layerls on PATH wins", () => {
  const r = resolveServerPath(
    lookup({ env: { PATH: "/usr/local/bin:/usr/bin:/opt/bin" } }, ["/usr/bin/layerls", "/opt/bin/layerls"]),
  );
  assert.deepEqual(r, { found: true, path: "/usr/bin/layerls" });
});

test("go install's directories are tried after PATH", () => {
  const env = { PATH: "/usr/bin", GOBIN: "/gobin", GOPATH: "/gp1:/gp2" };
  assert.deepEqual(resolveServerPath(lookup({ env }, ["/gobin/layerls"])), { found: true, path: "/gobin/layerls" });
  assert.deepEqual(resolveServerPath(lookup({ env }, ["/gp2/bin/layerls"])), { found: true, path: "/gp2/bin/layerls" });
  assert.deepEqual(resolveServerPath(lookup({ env }, ["/home/u/go/bin/layerls"])), {
    found: true,
    path: "/home/u/go/bin/layerls",
  });
});

test("not found lists every place tried, once", () => {
  const r = resolveServerPath(lookup({ env: { PATH: "/a::/a:/b", GOPATH: "/home/u/go" } }, []));
  assert.deepEqual(r, {
    found: false,
    fromSetting: false,
    tried: ["/a/layerls", "/b/layerls", "/home/u/go/bin/layerls"],
  });
});

test("the setting is used alone: absolute, ~, relative to the workspace folder", () => {
  const env = { PATH: "/usr/bin" };
  assert.deepEqual(resolveServerPath(lookup({ env, setting: "/opt/layerls" }, ["/opt/layerls", "/usr/bin/layerls"])), {
    found: true,
    path: "/opt/layerls",
  });
  assert.deepEqual(resolveServerPath(lookup({ env, setting: "~/bin/layerls" }, ["/home/u/bin/layerls"])), {
    found: true,
    path: "/home/u/bin/layerls",
  });
  assert.deepEqual(
    resolveServerPath(lookup({ env, setting: "bin/layerls", workspaceFolder: "/src/app" }, ["/src/app/bin/layerls"])),
    { found: true, path: "/src/app/bin/layerls" },
  );
  // A wrong setting is reported, not bypassed by the one on PATH.
  assert.deepEqual(resolveServerPath(lookup({ env, setting: "/nope/layerls" }, ["/usr/bin/layerls"])), {
    found: false,
    fromSetting: true,
    tried: ["/nope/layerls"],
  });
});

test("Windows: Path with ;, .exe added", () => {
  const r = resolveServerPath(
    lookup({ platform: "win32", env: { Path: "C:\\tools;C:\\go\\bin" }, homedir: "C:\\Users\\u" }, [
      "C:\\go\\bin\\layerls.exe",
    ]),
  );
  assert.deepEqual(r, { found: true, path: "C:\\go\\bin\\layerls.exe" });
  const s = resolveServerPath(
    lookup({ platform: "win32", setting: "D:\\layerls", homedir: "C:\\Users\\u" }, ["D:\\layerls.exe"]),
  );
  assert.deepEqual(s, { found: true, path: "D:\\layerls.exe" });
});

test("isExecutableFile: a file with x, not a directory or a plain file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "layerls-path-"));
  try {
    const exe = path.join(dir, "layerls");
    const plain = path.join(dir, "plain");
    fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(plain, "", { mode: 0o644 });
    assert.equal(isExecutableFile(exe), true);
    assert.equal(isExecutableFile(dir), false);
    assert.equal(isExecutableFile(path.join(dir, "missing")), false);
    if (process.platform !== "win32") {
      assert.equal(isExecutableFile(plain), false); // no x bit: not even root may run it
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a platform package's own layerls comes before PATH; the setting before both", () => {
  const env = { PATH: "/usr/bin" };
  const own = "/ext/layerlint-0.1.0-linux-x64/bin/layerls";
  const both = [own, "/usr/bin/layerls"];
  assert.deepEqual(resolveServerPath(lookup({ env, extensionPath: "/ext/layerlint-0.1.0-linux-x64" }, both)), { found: true, path: own });
  assert.deepEqual(resolveServerPath(lookup({ env, extensionPath: "/ext/layerlint-0.1.0" }, ["/usr/bin/layerls"])), {
    found: true,
    path: "/usr/bin/layerls",
  });
  assert.deepEqual(
    resolveServerPath(lookup({ env, setting: "/opt/layerls", extensionPath: "/ext/layerlint-0.1.0-linux-x64" }, [...both, "/opt/layerls"])),
    { found: true, path: "/opt/layerls" },
  );
});

test("on Windows the bundled server is bin\\layerls.exe", () => {
  const r = resolveServerPath(lookup({ platform: "win32", env: {}, homedir: "C:\\u", extensionPath: "C:\\ext" }, ["C:\\ext\\bin\\layerls.exe"]));
  assert.deepEqual(r, { found: true, path: "C:\\ext\\bin\\layerls.exe" });
});
