// record-har.mjs URL OUT.har: opens URL in Debian's Chromium (headless, offline-safe flags),
// clicks "Log in and swipe", waits for the page to log "done", and saves the session as a HAR,
// as DevTools' "Save all as HAR" would. Used by loadtest's HAR import test.
import { chromium } from "playwright-core";

const [url, out] = process.argv.slice(2);
if (!url || !out) {
  console.error("usage: node record-har.mjs URL OUT.har");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.LOADTEST_TEST_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ recordHar: { path: out, content: "embed" } });
  const page = await context.newPage();
  await page.goto(url);
  await page.click("#go");
  await page.waitForFunction(() => /\n(done|error: .*)\n$/.test("\n" + document.getElementById("log").textContent), null, { timeout: 20000 });
  const log = await page.textContent("#log");
  await context.close(); // writes the HAR
  if (!log.includes("done")) {
    console.error("the page's journey failed:\n" + log);
    process.exit(1);
  }
  console.log(log.trim());
} finally {
  await browser.close();
}
