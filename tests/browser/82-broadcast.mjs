// 82-console-broadcast.t's browser half: a broadcast from dry run to done,
// one scheduled and cancelled, an inbox item replied to and closed.
import { expect, run, signIn } from './console.mjs';

const TOKEN = process.env.TOKEN;

async function fits(b, page, name) {
  const wide = await b.shots(page, name);
  await b.check(`${name} fits 360 px (${wide} px)`, () => wide <= 360);
}

run(async (b) => {
  const page = await b.page(1280);
  page.on('dialog', (d) => d.accept());
  await page.goto('/');
  await page.evaluate(() => localStorage.setItem('sauti.lang', 'en'));
  await signIn(page, TOKEN);
  await page.getByRole('link', {name: 'Broadcasts'}).click();
  await expect.text(page.locator('main h1'), /Broadcasts/);

  const form = page.locator('form', {hasText: 'New broadcast'});
  const send = form.getByRole('button', {name: /^(Send now|Schedule)$/});
  await b.check('a new broadcast: pick a flow and a group; sending waits for the dry run', async () => {
    const flow = form.getByLabel('Survey or invitation');
    if (await flow.evaluate((el) => el.tagName) === 'SELECT') await flow.selectOption('dialogue_invite');
    else await flow.fill('dialogue_invite');
    await form.getByLabel('Recipients').selectOption('group');
    await form.getByLabel('Value').fill('geita');
    if (!(await send.isDisabled())) throw new Error('Send is enabled before the dry run');
  });
  await b.check('the dry run shows the recipients and what it costs', async () => {
    await form.getByRole('button', {name: 'Check the cost'}).click();
    await expect.text(form.locator('.dry-run'), /2 recipients \(and 0 opted out, skipped\)\. Total: 2 SMS/);
    await expect.text(form.locator('.dry-run'), /sw: 1 person, 1 SMS per message/);
  });
  await fits(b, page, 'broadcast-dry-run');
  await b.check('a dry run for nobody says 0 recipients, with no empty "By country:" line', async () => {
    await form.getByLabel('Value').fill('nobody-here');
    await form.getByRole('button', {name: 'Check the cost'}).click();
    const said = await expect.text(form.locator('.dry-run'), /^0 recipients/);
    if (/By country/.test(said)) throw new Error(said);
    await form.getByLabel('Value').fill('geita');
    await form.getByRole('button', {name: 'Check the cost'}).click();
    await expect.text(form.locator('.dry-run'), /2 recipients[\s\S]*By country: TZ 2/);
  });
  let id;
  await b.check('sent now, the broadcast is made', async () => {
    await send.click();
    const text = await expect.text(form.locator('.ok'), /Broadcast [0-9a-z]+ created/);
    id = text.match(/Broadcast ([0-9a-z]+) created/)[1];
  });
  await b.check('the list shows it progress to done, with its counts, live (no reload)', async () => {
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor();
    const seen = [];
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const state = await page.evaluate((x) => document.querySelector(`tr[data-id="${x}"]`)?.dataset.state, id);
      if (state && seen[seen.length - 1] !== state) seen.push(state);
      if (state === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (seen[seen.length - 1] !== 'done' || seen.length < 2) throw new Error(`states seen: ${seen.join(' -> ')}`);
    process.stdout.write(`states seen in the list: ${seen.join(' -> ')}\n`);
    await expect.text(row, /sent 2/);
  });

  {
    await b.check('a broadcast scheduled for later is listed as scheduled', async () => {
      const later = new Date(Date.now() + 3600e3);
      const local = new Date(later.getTime() - later.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
      await form.getByLabel('Send at').fill(local);
      await form.getByRole('button', {name: 'Check the cost'}).click();
      await form.locator('.dry-run').waitFor();
      await form.getByRole('button', {name: 'Schedule'}).click();
      const text = await expect.text(form.locator('.ok'), /Broadcast [0-9a-z]+ created/);
      id = text.match(/Broadcast ([0-9a-z]+) created/)[1];
      await page.waitForFunction((x) => document.querySelector(`tr[data-id="${x}"]`)?.dataset.state === 'scheduled', id);
    });
    await fits(b, page, 'broadcasts');
  }
  await b.check('the scheduled one has made no progress yet', async () => {
    const value = await page.locator(`tr[data-id="${id}"] progress`).getAttribute('value');
    if (value !== '0') throw new Error(`progress ${value}`);
  });
  await b.check('cancel stops it: the state becomes cancelled', async () => {
    await page.locator(`tr[data-id="${id}"]`).getByRole('button', {name: 'Cancel'}).click();
    await page.waitForFunction((x) => document.querySelector(`tr[data-id="${x}"]`)?.dataset.state === 'cancelled', id);
    await expect.text(page.locator('main .ok[role=status]').last(), /cancelled/);
  });

  await b.check('a time already past is refused in the console\'s words, naming no command-line option', async () => {
    await form.getByLabel('Send at').fill('2020-01-01T09:00');
    await form.getByRole('button', {name: 'Check the cost'}).click();
    await form.locator('.dry-run').waitFor();
    await form.getByRole('button', {name: 'Schedule'}).click();
    const said = await expect.text(form.locator('.error'), /has passed: choose a later time, or leave it empty to send now/);
    if (/--at|--force/.test(said)) throw new Error(`the console names an option it has not: ${said}`);
  });
  await b.check('... and in Swahili', async () => {
    await page.getByRole('button', {name: /Kiswahili/}).click();
    const sw = page.locator('form', {hasText: 'Tangazo jipya'});
    await sw.getByLabel('Wapokeaji').selectOption('group'); // the page is drawn afresh in Swahili
    await sw.getByLabel('Thamani').fill('geita');
    await sw.getByLabel('Tuma saa').fill('2020-01-01T09:00');
    await sw.getByRole('button', {name: 'Angalia gharama'}).click();
    await sw.locator('.dry-run').waitFor();
    await sw.getByRole('button', {name: 'Panga kutuma'}).click();
    await expect.text(sw.locator('.error'), /umeshapita: chagua muda ujao/);
    await page.getByRole('button', {name: /English/}).click();
    await expect.text(page.locator('main h1'), /Broadcasts/);
  });

  await page.getByRole('link', {name: 'Inbox'}).click();
  const item = page.locator('.inbox-item', {hasText: 'mvua imeharibu'});
  await b.check('the inbox shows the open item with its text and channel', async () => {
    await expect.text(item, /sms[\s\S]*open[\s\S]*Habari, mvua imeharibu barabara/);
  });
  await b.check('a reply typed and sent is kept with the item', async () => {
    await item.getByLabel('Reply').fill('Asante, tutarekebisha barabara wiki hii.');
    await item.getByRole('button', {name: 'Send reply'}).click();
    await expect.text(page.locator('.inbox-item', {hasText: 'mvua imeharibu'}).locator('.reply'), /Asante, tutarekebisha/);
  });
  await fits(b, page, 'inbox');
  await b.check('closing it takes it off the open list', async () => {
    await page.locator('.inbox-item', {hasText: 'mvua imeharibu'}).getByRole('button', {name: 'Close'}).click();
    await expect.text(page.locator('main'), /No open messages/);
  });
  await b.check('... and "show closed ones too" brings it back as closed', async () => {
    await page.getByLabel('Show closed ones too').check();
    await expect.text(page.locator('.inbox-item', {hasText: 'mvua imeharibu'}), /closed/);
  });
});
