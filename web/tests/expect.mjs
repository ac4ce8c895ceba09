// A few waiting assertions on Playwright locators, each failing with a readable message.

async function poll(check, describe, ms = 10000) {
  const until = Date.now() + ms;
  let last = "";
  for (;;) {
    try {
      const r = await check();
      if (r === true) return;
      last = r;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > until) throw new Error(`expected ${describe} within ${ms} ms${last ? ` (${last})` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function expect(locator) {
  const what = locator.toString();
  return {
    visible: (ms) => locator.first().waitFor({ state: "visible", timeout: ms ?? 10000 }).catch((e) => {
      throw new Error(`expected ${what} to be visible: ${e.message.split("\n")[0]}`);
    }),
    hidden: (ms) => locator.first().waitFor({ state: "hidden", timeout: ms ?? 10000 }),
    count: (n, ms) => poll(async () => {
      const c = await locator.count();
      return c === n || `found ${c}`;
    }, `${n} of ${what}`, ms),
    minCount: (n, ms) => poll(async () => {
      const c = await locator.count();
      return c >= n || `found ${c}`;
    }, `at least ${n} of ${what}`, ms),
    text: (re, ms) => poll(async () => {
      const t = await locator.first().innerText();
      return re.test(t) || `text was ${JSON.stringify(t.slice(0, 200))}`;
    }, `${what} to match ${re}`, ms),
  };
}
