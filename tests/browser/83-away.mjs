// 83-console-roles.t, with Redis stopped: signing in fails in plain words
// (the API's sentence), the page stays usable.
import { expect, run } from './console.mjs';

run(async (b) => {
  const page = await b.page(360);
  await page.goto('/');
  await b.check('with Redis away, sign-in says why in plain words, not a blank page', async () => {
    await page.getByLabel('Tokeni ya API').fill(process.env.CONVENOR);
    await page.getByRole('button', {name: 'Ingia'}).click();
    await expect.text(page.locator('.signin [role=alert]'), /storage unavailable, retry later/);
    await page.getByRole('button', {name: 'Ingia'}).waitFor();
  });
});
