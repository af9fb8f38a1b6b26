// 81-console-pages.t's browser half: sign-in, languages, flows, a flow's
// steps and cost, results and downloads, contacts; sizes and times.
import fs from 'node:fs';
import path from 'node:path';
import { expect, run } from './console.mjs';

const TOKEN = process.env.TOKEN;
const DOWNLOADS = process.env.T_DOWNLOADS;
const KB = 1024;

// What the page has loaded so far: bytes on the wire of the document and
// every resource (the browser's own accounting).
async function weight(page) {
  return page.evaluate(() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .reduce((n, e) => n + (e.transferSize || e.encodedBodySize || 0), 0));
}

async function download(page, name, file) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', {name}).click()]);
  fs.mkdirSync(DOWNLOADS, {recursive: true});
  await d.saveAs(path.join(DOWNLOADS, file));
  return fs.readFileSync(path.join(DOWNLOADS, file), 'utf8');
}

run(async (b) => {
  // the browser's own start-up is not the console's: one page first
  const warm = await b.page(360);
  await warm.goto('/');
  await warm.getByLabel('Tokeni ya API').waitFor();
  await warm.close();

  const page = await b.page(360); // a fresh context: empty cache and storage
  const t0 = Date.now();
  await page.goto('/');
  const token = page.getByLabel('Tokeni ya API');
  await token.waitFor();
  const firstMs = Date.now() - t0;
  process.stdout.write(`first load of the sign-in page, empty cache: ${firstMs} ms\n`);
  await b.check(`the sign-in page shows in under a second (${firstMs} ms), in Swahili first`, () => firstMs < 1000);
  await b.check('before signing in there is no sign-out button', async () => !(await page.locator('#signout').isVisible()));
  await b.check('the token field has the focus, so one can type at once', () =>
    page.evaluate(() => document.activeElement && document.activeElement.name === 'token'));
  let wide = await b.shots(page, 'signin');
  await b.check(`sign-in fits 360 px (${wide} px wide)`, () => wide <= 360);

  await b.check('a wrong token is refused in Swahili, with the API\'s words', async () => {
    await page.keyboard.type('not-the-token');
    await page.keyboard.press('Enter');
    await expect.text(page.locator('.signin .error'), /^Tokeni si sahihi\. \(wrong token\)$/);
  });
  await b.check('the right token signs in by keyboard alone', async () => {
    await token.fill('');
    await token.focus();
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await expect.text(page.locator('main h1'), /Tafiti na mialiko/);
  });
  await b.check('the flows are listed, with their languages and keywords', async () => {
    await expect.text(page.locator('.cards'), /livelihoods[\s\S]*UTAFITI/);
  });
  await b.shots(page, 'flows-sw');
  const bytes = await weight(page);
  process.stdout.write(`first load, sign-in to the flows page: ${bytes} bytes (${(bytes / KB).toFixed(1)} KB)\n`);
  await b.check(`the first load weighs well under 300 KB (${(bytes / KB).toFixed(1)} KB)`, () => bytes < 150 * KB);

  await b.check('the language switch is a real button the keyboard reaches', async () => {
    await page.locator('#lang').focus();
    await page.keyboard.press('Enter');
    await expect.text(page.locator('main h1'), /Surveys and invitations/);
  });
  const t1 = Date.now();
  await page.reload();
  await expect.text(page.locator('main h1'), /Surveys and invitations/);
  const reloadMs = Date.now() - t1;
  await b.check('English is remembered across a reload, signed in still', () => true);
  await b.check(`the flows page loads in under a second on loopback (${reloadMs} ms)`, () => reloadMs < 1000);
  wide = await b.shots(page, 'flows');
  await b.check(`the flows page fits 360 px (${wide} px)`, () => wide <= 360);

  await b.check('a flow shows its steps with the SMS each costs', async () => {
    await page.goto('/#/flows/livelihoods');
    await expect.text(page.locator('main h1'), /livelihoods/);
    await expect.text(page.locator('.step', {hasText: 'consent'}), /sw[\s\S]*\d SMS[\s\S]*en[\s\S]*\d SMS/);
    await expect.text(page.locator('.step', {hasText: 'earnings'}), /number/);
  });
  await b.check('a say shows the cost of the message it goes out in, joined to the next question', async () => {
    // livelihoods' intro and the mineral question: 175 characters in Swahili
    await expect.text(page.locator('.step', {hasText: 'intro'}),
      /sw[\s\S]*(sent with the next step:|hutumwa pamoja na hatua inayofuata:) (2 SMS|SMS 2)[\s\S]*en[\s\S]*(sent with the next step:|hutumwa pamoja na hatua inayofuata:) (1 SMS|SMS 1)/);
  });
  wide = await b.shots(page, 'flow');
  await b.check(`a flow's page fits 360 px (${wide} px)`, () => wide <= 360);

  await b.check('the results: runs, completion, a chart of statuses and of drop-off', async () => {
    await page.getByRole('link', {name: 'Results'}).first().click();
    await expect.text(page.locator('dl.facts'), /Conversations\s+3[\s\S]*Completed\s+2[\s\S]*67%/);
    await expect.text(page.locator('figure', {hasText: 'Where people stopped'}), /role/);
  });
  await b.check('completion per language and per channel, SMS at 0 too', async () => {
    const fig = page.locator('figure', {hasText: 'Completion by language'});
    await expect.text(fig, /sw \(\d+%\)[\s\S]*en \(100%\)[\s\S]*sms \(0%\)[\s\S]*ussd \(67%\)/);
    const label = await fig.locator('svg').getAttribute('aria-label');
    if (!/ussd \(67%\) \(Completed\): 2/.test(label) || !/ussd \(67%\) \(Conversations\): 3/.test(label)) throw new Error(label);
  });
  await b.check('one chart per question by language and one by channel, every choice listed', async () => {
    const q = page.locator('section.question', {hasText: 'mineral'});
    await expect.text(q.locator('figure', {hasText: 'by language'}), /Gold[\s\S]*Copper[\s\S]*Salt/);
    await expect.text(q.locator('figure', {hasText: 'by channel'}), /ussd/);
    // people: each one's latest completed run, so the one who stopped half
    // way is not counted (2 answers, 2 people)
    await expect.text(q.locator('h3'), /2 people · 2 answers|2 people · 3 answers/);
    const label = await q.locator('figure', {hasText: 'by language'}).locator('svg').getAttribute('aria-label');
    if (!/Gold \(sw\): 1/.test(label) || !/Copper \(en\): 1/.test(label)) throw new Error(label);
  });
  await b.check('a number question shows its mean, median, min and max', async () => {
    await expect.text(page.locator('section.question', {hasText: 'earnings'}), /mean 550 · median 550 · min 200 · max 900/);
  });
  wide = await b.shots(page, 'results');
  await b.check(`the results fit 360 px (${wide} px)`, () => wide <= 360);
  await b.check('the CSV export downloads', async () => {
    const csv = await download(page, 'Answers (CSV)', 'livelihoods.csv');
    if (!/^run_id,/.test(csv)) throw new Error(csv.slice(0, 200));
  });
  await b.check('the JSONL export downloads', async () => {
    await download(page, 'Answers (JSONL)', 'livelihoods.jsonl');
  });
  await b.check('the codebook downloads', async () => {
    const csv = await download(page, 'Codebook (CSV)', 'livelihoods-codebook.csv');
    if (!/^variable,type,value,/.test(csv)) throw new Error(csv.slice(0, 200));
  });

  await b.check('contacts: a CSV uploaded, the good rows stored and the bad one shown by its line', async () => {
    await page.getByRole('link', {name: 'Contacts'}).click();
    await expect.text(page.locator('main h1'), /Contacts/);
    await page.getByLabel('CSV file').setInputFiles({name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(
      'phone,name,language,groups\n+255712300821,Amani,sw,geita;wanawake\n+255712300822,Neema,en,geita\n07x2,Broken,sw,geita\n')});
    await page.getByRole('button', {name: 'Upload'}).click();
    await expect.text(page.locator('main .ok'), /2 contacts stored/);
    await expect.text(page.locator('.bad-rows'), /line 4/);
  });
  await b.check('... and in Swahili the bad row is said in Swahili', async () => {
    await page.getByRole('button', {name: /Kiswahili/}).click();
    await expect.text(page.locator('main h1'), /Watu/);
    await page.getByLabel('Faili ya CSV').setInputFiles({name: 'watu.csv', mimeType: 'text/csv', buffer: Buffer.from(
      'phone,name,language\n07x2,Broken,swa1\n+255712300825,Juma,sw,Geita\n')});
    await page.getByRole('button', {name: 'Pakia'}).click();
    await expect.text(page.locator('.bad-rows'), /^Mstari 2: namba '07x2': ina herufi; lugha 'swa1': tumia msimbo wa herufi 2 au 3/);
    await expect.text(page.locator('.bad-rows li').nth(1), /^Mstari 3: visanduku 4 lakini kichwa kina safu 3/);
    await page.getByLabel('Faili ya CSV').setInputFiles({name: 'simu.csv', mimeType: 'text/csv', buffer: Buffer.from(
      'namba,jina\n+255712300823,Zawadi\n')});
    await page.getByRole('button', {name: 'Pakia'}).click();
    await expect.text(page.locator('main .error'), /^Mstari 1: kichwa cha faili hakina safu iitwayo phone/);
    await page.getByRole('button', {name: /English/}).click();
    await expect.text(page.locator('main h1'), /Contacts/);
  });
  await b.check('a file that is not UTF-8 (Excel\'s plain CSV) is refused before it is sent, not stored garbled', async () => {
    await page.getByLabel('CSV file').setInputFiles({name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.concat([
      Buffer.from('phone,name\n+255712300824,Am'), Buffer.from([0xe9]), Buffer.from('lie\n')])});
    await page.getByRole('button', {name: 'Upload'}).click();
    await expect.text(page.locator('main .error'), /not UTF-8 text: save it as "CSV UTF-8"/);
  });
  await b.check('contacts: a file larger than the daemon takes at once goes in parts, a bad row named by its line in the file', async () => {
    const rows = ['phone,name,groups'];
    for (let i = 0; i < 3000; i++) rows.push(`+2557124${String(i).padStart(5, '0')},Mchimbaji ${i},wengi`);
    rows.splice(2501, 0, '07x2,Broken,wengi'); // line 2502, in the second part
    const csv = `${rows.join('\n')}\n`;
    if (csv.length <= 65536) throw new Error(`the file is only ${csv.length} bytes`);
    await page.getByLabel('CSV file').setInputFiles({name: 'many.csv', mimeType: 'text/csv', buffer: Buffer.from(csv)});
    await page.getByRole('button', {name: 'Upload'}).click();
    await expect.text(page.locator('main .ok'), /3,000 contacts stored/);
    await expect.text(page.locator('.bad-rows'), /^line 2502: phone '07x2'/);
  });
  wide = await b.shots(page, 'contacts');
  await b.check(`the contacts page fits 360 px (${wide} px)`, () => wide <= 360);

  await b.check('sign-out ends the session and shows the sign-in again', async () => {
    await page.getByRole('button', {name: 'Sign out'}).click();
    await page.getByLabel('API token').waitFor();
    await page.reload();
    await page.getByLabel('API token').waitFor();
    const r = await page.evaluate(() => fetch('/api/session').then((x) => x.status));
    if (r !== 401) throw new Error(`GET /api/session after sign-out: ${r}`);
  });
});
