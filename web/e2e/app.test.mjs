// The browser test: a real server, Debian's chromium driven by playwright-core, the whole path a
// person takes: sign in, upload a real CSV, approve the plan, watch to COMPLETED, read the
// decision log, predict in the playground, download the ONNX model, manage API keys. Each page
// is saved as a screenshot in e2e/artifacts/ (gitignored) to be looked at.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { buildServer, startServer } from "./server.mjs";
import { startIssuer } from "./issuer.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, "..");
const repo = resolve(web, "..");
const artifacts = join(here, "artifacts");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const dataset = resolve(repo, "..", "shared", "datasets", "titanic.csv");
const pictures = resolve(repo, "..", "shared", "datasets", "fashion_mnist");
// Zips the first N pictures of each class folder of SRC into DST, in class folders.
const zipClassFolders = `
import os, sys, zipfile
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with zipfile.ZipFile(dst, "w") as z:
    for c in sorted(os.listdir(src)):
        for f in sorted(os.listdir(os.path.join(src, c)))[:n]:
            z.write(os.path.join(src, c, f), c + "/" + f)
`;
const completeTimeout = Number(process.env.TRAINYARD_E2E_TIMEOUT_MS ?? 240_000);

/** The binary the first test built, for the ones after it. */
let builtBin = "";

/** Starts headless chromium the way the tests need it. */
function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

const skip = !existsSync(chromiumPath) ? `no chromium at ${chromiumPath}` : !existsSync(dataset) ? `no dataset at ${dataset}` : false;

test("the web app end to end in chromium", { skip, timeout: completeTimeout + 240_000 }, async (t) => {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  if (!process.env.TRAINYARD_E2E_NO_BUILD) execFileSync("npm", ["run", "build"], { cwd: web, stdio: "inherit" });
  // TRAINYARD_E2E_BIN runs a binary built elsewhere (with this build of the app embedded).
  const bin = (builtBin = process.env.TRAINYARD_E2E_BIN || buildServer(repo, artifacts));
  const srv = await startServer(bin, join(artifacts, "server.log"));
  t.after(() => srv.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 820 }, acceptDownloads: true, baseURL: srv.url });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: srv.url });
  const page = await ctx.newPage();
  const consoleErrors = [];
  // One 404 is allowed: the report's, while the pipeline does not write one (said loudly below).
  let allowedReport404 = 1;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    if (allowedReport404 > 0 && /\/report$/.test(m.location().url) && /404/.test(m.text())) {
      allowedReport404--;
      return;
    }
    consoleErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  // Every screenshot also checks that the page does not scroll sideways.
  // With a locator, the screenshot shows just that part (the results tabs sit above a long decision log).
  const shot = async (name, part) => {
    if (part) await part.screenshot({ path: join(artifacts, `${name}.png`) });
    else await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px`);
    // Every form control a person can reach has an accessible name.
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => !el.hidden && el.getAttribute("aria-hidden") !== "true" && el.type !== "hidden" && !el.closest("[aria-hidden=true]"))
        .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || (el.tagName === "BUTTON" && el.textContent.trim())))
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    assert.deepEqual(unlabeled, [], `${name}: controls without a label`);
  };
  // A failing step leaves a screenshot of what the browser showed.
  const step = (name, fn) =>
    t.test(name, async () => {
      try {
        await fn();
      } catch (e) {
        await page.screenshot({ path: join(artifacts, `failed-${name.replace(/\W+/g, "-")}.png`), fullPage: true }).catch(() => {});
        throw e;
      }
    });

  await step("sign in", async () => {
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    const banner = page.getByRole("banner");
    assert.match(await banner.innerText(), /Trainyard/);
    // Nothing but the page, its assets and the public sign-in config before sign-in.
    const api = requests.filter((u) => u.includes("/trainyard.v1.") || u.includes("/api/"));
    assert.deepEqual(api.map((u) => new URL(u).pathname), ["/api/v1/auth/config"], "API requests before sign-in");
    // Without --oidc-client-id the server offers no Google sign-in, and Google's script is not loaded.
    assert.equal(await page.getByRole("group", { name: "Sign in with Google" }).count(), 0);
    assert.equal(requests.filter((u) => u.includes("accounts.google.com")).length, 0, "Google's script loaded without Google sign-in");
    // The sign-in page loads without the Protobuf and Connect runtimes (code splitting).
    const scripts = requests.filter((u) => u.endsWith(".js")).map((u) => new URL(u).pathname);
    assert.ok(!scripts.some((s) => /\/(transport|SignedIn)-/.test(s)), `the sign-in page loaded ${scripts.join(", ")}`);
    const key = page.getByLabel(/^API key/);
    assert.equal(await key.getAttribute("type"), "password");
    assert.equal(await key.evaluate((el) => !!el.closest("form")), true, "the key field is in a form");
    await shot("01-sign-in");
    await key.fill("ty_not-a-real-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That key was not accepted").waitFor();
    consoleErrors.length = 0; // the refused key's 401 is the one expected error
    // By keyboard: type the key and press Enter.
    await key.fill("");
    await key.focus();
    await page.keyboard.type(srv.apiKey);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
    // On a fresh load the first Tab reaches the skip link, which leads past the app bar.
    await page.reload();
    await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), "Skip to content");
    await page.getByText("No projects yet").waitFor();
    await shot("02-projects-empty");
  });

  await step("new project: upload, preview, profile", async () => {
    await page.getByRole("link", { name: "New project" }).first().click();
    await page.getByRole("heading", { name: "New project", exact: true }).waitFor();
    await page.getByText("Predict whether a passenger survived", { exact: false }).first().click();
    const desc = page.getByLabel("Describe the problem");
    assert.match(await desc.inputValue(), /passenger survived/);
    await page.getByLabel("Data file").setInputFiles(dataset);
    await page.getByText(/titanic\.csv.*uploaded/).waitFor({ timeout: 30_000 });
    const preview = page.getByRole("table", { name: "Data preview" });
    await preview.waitFor();
    assert.match(await preview.innerText(), /Braund/);
    const profile = page.getByRole("table", { name: "Column profile" });
    assert.match(await profile.innerText(), /Survived/);
    await page.getByLabel(/Ask me before training/).check();
    await page.getByLabel("Time budget (minutes)").fill("0.5");
    await shot("03-new-project");
    await page.getByRole("button", { name: "Start training" }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]+$/);
  });

  await step("approve the plan", async () => {
    await page.getByRole("heading", { name: /approval is needed/ }).waitFor({ timeout: 90_000 });
    const plan = page.getByRole("region", { name: /approval is needed/ });
    assert.match(await plan.innerText(), /Survived/);
    await shot("04-approval");
    await page.getByLabel("Minutes").fill("0.25");
    await page.getByRole("button", { name: /^Approve/ }).click();
    await page.getByRole("heading", { name: /approval is needed/ }).waitFor({ state: "detached", timeout: 30_000 });
  });

  await step("watch to COMPLETED", async () => {
    await page.getByText("Training", { exact: false }).first().waitFor();
    await shot("05-progress");
    await page.getByTestId("headline").waitFor({ timeout: completeTimeout });
    assert.match(await page.getByTestId("headline").innerText(), /unseen passengers|guessing|\d/);
    await page.getByText("Completed").first().waitFor();
    await shot("06-results");
    await shot("06-results-top", page.getByTestId("results"));
  });

  await step("decision log", async () => {
    const log = page.getByTestId("decision-log");
    const items = log.locator(".MuiAccordion-root");
    assert.ok((await items.count()) >= 3, `only ${await items.count()} decisions`);
    const target = log.getByRole("button", { name: /Target column/i }).first();
    await target.click();
    const details = log.locator(".MuiAccordion-root.Mui-expanded").first();
    await details.getByText(/decided by/).waitFor();
    // The stream carries summaries; the reasoning comes from ListAuditEntries.
    await details.getByText(/Chose|because|score|description/i).first().waitFor();
    assert.doesNotMatch(await details.innerText(), /Loading the reasoning/);
    await details.getByRole("table", { name: "Alternatives" }).waitFor();
    await details.scrollIntoViewIfNeeded();
    await page.waitForTimeout(500); // let the expand animation finish
    await shot("07-decision-log");
  });

  await step("predict in the playground", async () => {
    await page.getByRole("tab", { name: "Try it" }).click();
    const form = page.getByRole("form", { name: "Prediction input" });
    await form.waitFor();
    await form.getByLabel("Age").fill("8");
    await page.getByRole("button", { name: "Predict", exact: true }).click();
    const pred = page.getByTestId("prediction");
    await pred.waitFor({ timeout: 30_000 });
    const text = await pred.innerText();
    assert.match(text, /Predicted Survived/i);
    assert.match(text, /Why/);
    await shot("08-playground", page.getByTestId("results"));
  });

  await step("batch prediction", async () => {
    await page.getByRole("tab", { name: "Batch predictions" }).click();
    await page.getByLabel("File to score").setInputFiles(dataset);
    const button = page.getByRole("button", { name: "Download predictions (CSV)" });
    await button.waitFor({ timeout: 60_000 });
    const [dl] = await Promise.all([page.waitForEvent("download"), button.click()]);
    const file = join(artifacts, "batch-predictions.csv");
    await dl.saveAs(file);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    assert.ok(lines.length >= 891, `the batch output has ${lines.length} lines, want a header and 891 rows`);
    await shot("09-batch", page.getByTestId("results"));
  });

  await step("code examples and report", async () => {
    await page.getByRole("tab", { name: "Use it from code" }).click();
    await page.getByRole("button", { name: /Copy the curl example/ }).click();
    await page.getByRole("button", { name: /Copied the curl example/ }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /predict/);
    await shot("10-code", page.getByTestId("results"));
    await page.getByRole("tab", { name: "Report" }).click();
    const frame = page.locator('iframe[title="Model report"]');
    const missing = page.getByText("The report is not available");
    await frame.or(missing).first().waitFor({ timeout: 20_000 });
    if (await missing.isVisible()) {
      // The pipeline writes no HTML report yet: the page says so calmly.
      console.log("!!! NOTE: the model has no HTML report yet (GET /api/v1/models/{id}/report answers 404)");
    } else {
      await page.frameLocator('iframe[title="Model report"]').locator("body").waitFor();
    }
    await shot("11-report", page.getByTestId("results"));
  });

  await step("download the ONNX model", async () => {
    const [dl] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Model (ONNX)" }).click()]);
    const file = join(artifacts, dl.suggestedFilename() || "model.onnx");
    await dl.saveAs(file);
    const bytes = readFileSync(file);
    assert.ok(statSync(file).size > 200, `the ONNX file has ${bytes.length} bytes`);
    assert.match(dl.suggestedFilename(), /\.onnx$/);
    assert.equal(bytes[0], 0x08, "an ONNX ModelProto starts with its ir_version field");
  });

  await step("projects list shows the result", async () => {
    await page.getByRole("link", { name: "Projects" }).first().click();
    const table = page.getByRole("table", { name: "Projects" });
    await table.waitFor();
    assert.match(await table.innerText(), /Completed/);
    await page.getByLabel("Search projects").fill("passenger");
    await page.waitForTimeout(600);
    assert.match(await table.innerText(), /passenger/);
    await shot("12-projects");
  });

  await step("API keys: create, list, revoke", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys", exact: true }).waitFor();
    await page.getByLabel("Name").fill("e2e scoring job");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = await page.getByTestId("new-secret").innerText();
    assert.ok(secret.length > 16, "the new secret is shown");
    const keys = page.getByRole("table", { name: "Your API keys" });
    await keys.getByText("e2e scoring job").waitFor();
    await shot("13-api-keys");
    await page.getByRole("button", { name: "Revoke e2e scoring job" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    // The revoked key stays listed as a record, greyed, without a Revoke button.
    await page.getByRole("button", { name: "Revoke e2e scoring job" }).waitFor({ state: "detached" });
    await keys.getByRole("row").filter({ hasText: "e2e scoring job" }).getByText(/^Stopped/).waitFor();
    await shot("13-api-keys-revoked");
    const r = await fetch(`${srv.url}/api/v1/projects`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(r.status, 401, "a revoked key is refused");
  });

  await step("labeling task: name the clusters, train on the names", async () => {
    // titanic.csv with the Survived labels of all but 8 rows removed: too few to learn from, so
    // (with no language model configured) the agents group the rows and ask the owner to name them.
    const file = join(artifacts, "titanic-8-labels.csv");
    writeFileSync(file, hideLabels(readFileSync(dataset, "utf8"), "Survived", 8));
    await page.getByRole("link", { name: "New project" }).first().click();
    await page.getByRole("heading", { name: "New project", exact: true }).waitFor();
    await page.getByLabel("Describe the problem").fill("Predict whether a passenger survived");
    await page.getByLabel("Data file").setInputFiles(file);
    await page.getByText(/titanic-8-labels\.csv.*uploaded/).waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Start training" }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]+$/);
    const panel = page.getByRole("region", { name: /name these groups/ });
    await panel.waitFor({ timeout: 90_000 });
    const groups = panel.getByRole("table", { name: "Groups of rows to name" });
    const n = await groups.getByLabel(/^Survived for group/).count();
    assert.ok(n >= 2, `the task has ${n} groups`);
    // Name each group as a person would from its example rows: by the share of women in it.
    const share = [];
    for (let i = 1; i <= n; i++) {
      await groups.getByRole("button", { name: /^Show \d+ example rows?/ }).first().click();
      const ex = page.getByRole("table", { name: `Example rows of group ${i}` });
      const cells = await ex.locator("tbody tr").allInnerTexts();
      share.push(cells.filter((r) => /\bfemale\b/.test(r)).length / Math.max(1, cells.length));
    }
    const most = share.indexOf(Math.max(...share));
    const least = share.indexOf(Math.min(...share));
    assert.notEqual(most, least, `the groups' examples look alike: ${share}`);
    for (let i = 0; i < n; i++) {
      const name = i === most || (i !== least && share[i] > 0.5) ? "1" : "0";
      await groups.getByLabel(`Survived for group ${i + 1}`).fill(name);
    }
    await shot("14-labeling");
    await page.getByRole("button", { name: "Label and continue" }).click();
    await panel.waitFor({ state: "detached", timeout: 30_000 });
    await page.getByTestId("headline").waitFor({ timeout: completeTimeout });
    await shot("15-labeled-results", page.getByTestId("results"));
  });

  await step("an image project: train on pictures, classify one in Try it", async () => {
    // Eight pictures of each class, zipped in class folders as a person would.
    const zip = join(artifacts, "fashion-80.zip");
    execFileSync("python3", ["-c", zipClassFolders, join(pictures, "train"), zip, "8"]);
    await page.getByRole("link", { name: "New project" }).first().click();
    await page.getByRole("heading", { name: "New project", exact: true }).waitFor();
    await page.getByLabel("Describe the problem").fill("Classify the clothing in each picture");
    await page.getByLabel("Data file").setInputFiles(zip);
    await page.getByText(/fashion-80\.zip.*uploaded/).waitFor({ timeout: 30_000 });
    await page.getByLabel("Time budget (minutes)").fill("0.25");
    await page.getByRole("button", { name: "Start training" }).click();
    await page.waitForURL(/\/projects\/[0-9a-f-]+$/);
    await page.getByTestId("headline").waitFor({ timeout: completeTimeout });
    assert.match(await page.getByTestId("headline").innerText(), /unseen pictures/);
    await page.getByRole("tab", { name: "Try it" }).click();
    await page.getByRole("img", { name: "the example picture" }).waitFor();
    const bags = join(pictures, "test", "bag");
    await page.getByLabel("image: choose a picture").setInputFiles(join(bags, readdirSync(bags).sort()[0]));
    await page.getByRole("img", { name: /^the chosen picture/ }).waitFor();
    await page.getByRole("button", { name: "Predict", exact: true }).click();
    const pred = page.getByTestId("prediction");
    await pred.waitFor({ timeout: 30_000 });
    const text = await pred.innerText();
    assert.match(text, /Predicted label/i);
    assert.doesNotMatch(text, /no explanation/, "an image model is not asked for an explanation");
    await shot("17-image-playground", page.getByTestId("results"));
  });

  await step("a laptop screen and no console errors", async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto("/new");
    await page.getByRole("heading", { name: "New project", exact: true }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 1280 wide`);
    assert.deepEqual(consoleErrors, []);
  });

  await step("revoking the key in use signs out and says why", async () => {
    await page.getByRole("link", { name: "API keys" }).click();
    await page.getByRole("button", { name: "Revoke first start" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    await page.getByRole("status").getByText(/no longer accepts this key/).waitFor();
    await shot("16-signed-out");
  });
});


// Google sign-in against a server started with an OAuth client ID and a local OpenID Connect
// issuer. Google Identity Services itself needs Google's servers, so its script is answered
// here: its button hands the page an ID token of the local issuer, as Google's popup would. The
// rest is real: the config route, the exchange at /api/v1/auth/google (the server verifies the
// token against the issuer's keys), and the session token authenticating the app's calls.
test("Google sign-in in chromium", { skip, timeout: 180_000 }, async (t) => {
  mkdirSync(artifacts, { recursive: true });
  const bin = builtBin || process.env.TRAINYARD_E2E_BIN || buildServer(repo, artifacts);
  const issuer = await startIssuer();
  t.after(() => issuer.stop());
  const clientId = "trainyard-e2e.apps.example.com";
  const srv = await startServer(bin, join(artifacts, "server-google.log"), { TRAINYARD_OIDC_CLIENT_ID: clientId, TRAINYARD_OIDC_ISSUER: issuer.url });
  t.after(() => srv.stop());
  const browser = await launch();
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 820 }, baseURL: srv.url })).newPage();
  const consoleErrors = [];
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(`${m.text()} (${m.location().url})`));
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  let gisLoads = 0;
  const idToken = issuer.token(clientId);
  await page.route("https://accounts.google.com/gsi/client", (route) => {
    gisLoads++;
    route.fulfill({ contentType: "text/javascript", body: gisStandIn(idToken) });
  });

  await page.goto("/");
  const google = page.getByRole("group", { name: "Sign in with Google" }).getByRole("button", { name: "Sign in with Google" });
  await google.waitFor();
  assert.equal(gisLoads, 1, "Google's script is loaded once");
  await page.getByLabel(/^API key/).waitFor(); // keys still work next to Google
  await page.screenshot({ path: join(artifacts, "00-sign-in-google.png"), fullPage: true });
  await google.click();
  await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
  assert.match(await page.getByLabel("Signed in as").innerText(), /Ada Lovelace|ada@example\.com/);
  // The app keeps the session token (a JWT), not the ID token, and sends it like a key.
  const kept = await page.evaluate(() => sessionStorage.getItem("trainyard.apiKey"));
  assert.equal(kept.split(".").length, 3, "a session token is kept");
  assert.notEqual(kept, idToken, "the ID token itself is not kept");
  const r = await fetch(`${srv.url}/api/v1/users/me`, { headers: { Authorization: `Bearer ${kept}` } });
  assert.equal(r.status, 200, "the session token authenticates API calls");
  await page.reload();
  await page.getByRole("heading", { name: "Projects", exact: true }).waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await google.waitFor();
  assert.deepEqual(consoleErrors, []);
});

/** A stand-in for Google Identity Services whose button answers credential. */
function gisStandIn(credential) {
  return `window.google = { accounts: { id: {
    initialize(o) { this.options = o; },
    renderButton(parent) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Sign in with Google";
      b.style.cssText = "width:100%;height:40px;border:1px solid #dadce0;border-radius:4px;background:#fff;font:500 14px sans-serif;color:#3c4043;cursor:pointer";
      b.onclick = () => window.google.accounts.id.options.callback({ credential: ${JSON.stringify(credential)} });
      parent.appendChild(b);
    },
  } } };`;
}

/** Returns csv with column's value removed from every row but the first keep (quoted fields allowed). */
function hideLabels(csv, column, keep) {
  const split = (line) => {
    const f = [""];
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      if (ch === "," && !quoted) f.push("");
      else f[f.length - 1] += ch;
    }
    return f;
  };
  const [head, ...rows] = csv.trim().split(/\r?\n/);
  const at = split(head).indexOf(column);
  assert.ok(at >= 0, `no column ${column}`);
  const out = rows.map((line, i) => {
    if (i < keep) return line;
    const f = split(line);
    f[at] = "";
    return f.join(",");
  });
  return [head, ...out].join("\n") + "\n";
}
