// dom.mjs PLAN.json: opens a layerdiff report in Debian's headless chromium (through playwright-core) and
// prints, as JSON, what the page shows: how long it took to draw, every rectangle of the treemap in each
// view (its data, position, size and computed fill), the steps table's cells, the colours of the change
// classes, and the changed-paths table after each filter of the plan. report_test.go compares all of it with
// layerdiff's own JSON. The plan: {"url", "screenshot", "views": ["image"], "filters": [{"text", "change"}],
// "runs": 1}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
// A closed network refuses chromium's own connections: turn them all off. playwright gives it an empty
// profile of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const out = { errors: [], requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") out.errors.push(m.text()); });
  page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) out.requests.push(r.url()); });

  // Open the page plan.runs times (default 1): on a busy machine the quickest run is the page's own cost.
  out.renderedMs = [];
  out.wallMs = [];
  for (let i = 0; i < (plan.runs || 1); i++) {
    const start = Date.now();
    await page.goto(plan.url, { waitUntil: "load" });
    await page.waitForSelector("body[data-rendered]", { timeout: 30000 });
    out.wallMs.push(Date.now() - start);
    out.renderedMs.push(Number(await page.getAttribute("body", "data-rendered")));
  }
  if (plan.screenshot) await page.screenshot({ path: plan.screenshot, fullPage: false });

  out.colors = await page.evaluate(() => {
    const css = getComputedStyle(document.documentElement);
    const c = {};
    for (const k of ["added", "grew", "deleted", "shrank", "changed", "same"]) c[k] = css.getPropertyValue("--" + k).trim();
    return c;
  });
  out.views = {};
  for (const v of plan.views) {
    if (v !== plan.views[0]) await page.evaluate((v) => window.layerdiffReport.setView(v), v);
    out.views[v] = await page.evaluate(() => {
      const svg = document.getElementById("treemap");
      const box = (r) => ({ x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"), h: +r.getAttribute("height") });
      const leaves = [...svg.querySelectorAll("rect.leaf")].map((r) => ({
        ...box(r), path: r.dataset.path, step: +r.dataset.step, bytes: +r.dataset.bytes, count: +(r.dataset.count || 0),
        wasted: r.dataset.wasted === "1", leftover: r.dataset.leftover || "", change: r.dataset.change || "",
        fill: getComputedStyle(r).fill,
      }));
      const steps = [...svg.querySelectorAll("rect.group.step")].map((r) => ({ ...box(r), step: +r.dataset.step, bytes: +r.dataset.bytes }));
      return { width: +svg.getAttribute("width"), height: +svg.getAttribute("height"), leaves, steps };
    });
  }
  out.steps = await page.evaluate(() => [...document.querySelectorAll("#steps-table tbody tr")].map((r) => {
    const cells = {};
    for (const td of r.querySelectorAll("td[data-col]")) cells[td.dataset.col] = td.textContent;
    return { step: +r.dataset.step, cells };
  }));
  out.filters = [];
  for (const f of plan.filters || []) {
    await page.fill("#filter-text", f.text);
    await page.selectOption("#filter-change", f.change);
    out.filters.push(await page.evaluate(() => ({
      count: document.getElementById("files-count").textContent,
      rows: [...document.querySelectorAll("#files-body tr")].map((r) => ({
        path: r.dataset.path, change: r.dataset.change, cells: [...r.querySelectorAll("td")].map((td) => td.textContent),
      })),
    })));
  }
} catch (e) {
  out.errors.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
