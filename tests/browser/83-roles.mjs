// 83-console-roles.t's browser half: what a researcher and a convenor see.
import { expect, run, signIn } from './console.mjs';

async function menu(page) {
  return (await page.locator('#nav a').allInnerTexts()).join(',');
}

run(async (b) => {
  const researcher = await b.page(1280);
  await researcher.goto('/');
  await researcher.evaluate(() => localStorage.setItem('sauti.lang', 'en'));
  await signIn(researcher, process.env.RESEARCHER);
  await b.check('a researcher\'s menu is the flows alone', async () => {
    const m = await menu(researcher);
    if (m !== 'Flows') throw new Error(m);
  });
  await b.check('... with the downloads on a flow\'s results', async () => {
    await researcher.goto('/#/results/livelihoods');
    await researcher.getByRole('link', {name: 'Codebook (CSV)'}).waitFor();
  });
  await b.check('... and a page beyond the role says so plainly', async () => {
    await researcher.goto('/#/contacts');
    await expect.text(researcher.locator('main'), /Your role \(researcher\) may not do this/);
  });
  await b.check('... without a form the server would refuse once filled in', async () => {
    for (const where of ['#/broadcasts', '#/contacts', '#/inbox']) {
      await researcher.goto(`/${where}`);
      await expect.text(researcher.locator('main'), /^Your role \(researcher\) may not do this\.$/);
      if (await researcher.locator('main form, main button, main input').count()) throw new Error(`${where} shows a form`);
    }
  });

  const page = await b.page(360);
  page.on('dialog', (d) => d.accept());
  await page.goto('/');
  await page.evaluate(() => localStorage.setItem('sauti.lang', 'en'));
  await signIn(page, process.env.CONVENOR);
  await b.check('a convenor\'s menu: flows, broadcasts, inbox, contacts', async () => {
    const m = await menu(page);
    if (m !== 'Flows,Broadcasts,Inbox,Contacts') throw new Error(m);
  });
  await b.check('... and no downloads on the results', async () => {
    await page.goto('/#/results/livelihoods');
    await expect.text(page.locator('main h1'), /Results/);
    if (await page.getByRole('link', {name: 'Answers (CSV)'}).count()) throw new Error('a download link is shown');
  });
  await page.goto('/#/contacts');
  await b.check('contacts: the list, pseudonymised, with the groups to choose from', async () => {
    await expect.text(page.locator('main'), /3 contacts/);
    const options = await page.getByLabel('Group').locator('option').allInnerTexts();
    if (options.join(',') !== 'All groups,geita (2),kahama (1),wanawake (1)') throw new Error(options.join(','));
    if (/\+2557/.test(await page.locator('main').innerText())) throw new Error('a number is shown');
  });
  await b.check('choosing a group lists its contacts only', async () => {
    await page.getByLabel('Group').selectOption('geita');
    await expect.text(page.locator('main'), /2 contacts/);
  });
  await b.check('find by number shows what is held about the person', async () => {
    await page.getByLabel('Phone number').fill('0712300842');
    await page.getByRole('button', {name: 'Find'}).click();
    await expect.text(page.locator('form', {hasText: 'Find by number'}).locator('dl.facts'), /Pseudonym[\s\S]*[0-9a-f]{16}[\s\S]*Juma/);
  });
  await b.shots(page, 'contacts');
  await b.check('forget erases the person after a confirmation', async () => {
    await page.getByRole('button', {name: 'Forget'}).click();
    await expect.text(page.locator('main .ok'), /Everything about 0712300842 was erased/);
    await page.getByLabel('Group').selectOption('');
    await expect.text(page.locator('main'), /2 contacts/);
  });
});
