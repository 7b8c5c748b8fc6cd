// The nodes pages: the tree (expand / collapse, search, selection in the URL, keyboard), create,
// rename, move (the picker refuses the node's own subtree, and so does the API), delete with the
// API's rule and the cascade's counts, a node's page with everyone who has access there, and the
// time to interactive of a 2,000-node tree. Each task is checked against the API afterwards.
import { type Page } from '@playwright/test';
import {
  test,
  expect,
  ENV_API,
  PRODUCTION,
  createAssignment,
  createIdentity,
  hydrated,
  roles,
  shot,
  signInByApi,
  unique,
  type Node,
} from './support';

const NODES_PAGE = `${PRODUCTION}/nodes`;
const NODES_API = `${ENV_API}/nodes`;

async function createNode(page: Page, name: string, parent: string | null = null): Promise<Node> {
  const response = await page.request.post(NODES_API, { data: { name, parent_id: parent } });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as Node;
}

async function getNode(page: Page, id: string) {
  return page.request.get(`${NODES_API}/${id}`);
}

function row(page: Page, id: string) {
  return page.locator(`[data-testid="tree-node"][data-id="${id}"]`);
}

/** A small tree of this test's own: root → (a → a1), b. */
async function smallTree(page: Page) {
  const tag = unique('Tree');
  const root = await createNode(page, `${tag} root`);
  const a = await createNode(page, `${tag} A`, root.id);
  const a1 = await createNode(page, `${tag} A1`, a.id);
  const b = await createNode(page, `${tag} B`, root.id);
  return { tag, root, a, a1, b };
}

test.describe('nodes', () => {
  test.beforeEach(async ({ page }) => {
    await signInByApi(page);
  });

  test('the tree expands, collapses, searches and keeps its view in the URL across reload and back', async ({ page }) => {
    const { tag, root, a, a1, b } = await smallTree(page);
    await page.goto(`${NODES_PAGE}?node=${a.id}`);
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nodes');
    await expect(page.getByTestId('coming-next')).toHaveCount(0);
    // The selected node's ancestors are open; its own children are not drawn until expanded.
    await expect(row(page, a.id)).toHaveAttribute('aria-selected', 'true');
    await expect(row(page, a.id)).toHaveAttribute('aria-expanded', 'false');
    await expect(row(page, a1.id)).toHaveCount(0);
    await expect(page.getByTestId('node-panel-path')).toHaveText(`${tag} root / ${tag} A`);

    await row(page, a.id).getByTestId('tree-toggle').click();
    await expect(row(page, a1.id)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`open=[^&]*${a.id}`));
    await page.reload();
    await hydrated(page);
    await expect(row(page, a1.id)).toBeVisible();
    await expect(row(page, a.id)).toHaveAttribute('aria-selected', 'true');

    // Search: the matches under their ancestors; the term is in the URL.
    await page.getByLabel('Search nodes').fill(`${tag} a1`);
    await expect(page).toHaveURL(/q=/);
    await expect(row(page, a1.id)).toHaveAttribute('data-matched', 'true');
    await expect(row(page, b.id)).toHaveCount(0);
    await expect(page.getByTestId('tree-summary')).toContainText('1 of');
    await page.goBack();
    await expect(page).not.toHaveURL(/q=/);
    await expect(row(page, b.id)).toBeVisible();

    // Keyboard: arrows move, Left closes, Enter selects.
    await row(page, a.id).focus();
    await page.keyboard.press('ArrowDown');
    await expect(row(page, a1.id)).toBeFocused();
    await page.keyboard.press('ArrowLeft');
    await expect(row(page, a.id)).toBeFocused();
    await page.keyboard.press('ArrowLeft');
    await expect(row(page, a1.id)).toHaveCount(0);
    await page.keyboard.press('ArrowDown');
    await expect(row(page, b.id)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`node=${b.id}`));
    await expect(page.getByTestId('node-panel-name')).toHaveText(`${tag} B`);
    expect((await getNode(page, root.id)).status()).toBe(200);
    await shot(page, 'nodes-tree-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await expect(page.getByTestId('node-panel')).toBeVisible();
    await shot(page, 'nodes-tree-390');
  });

  test('create a child, rename it and move it; the picker and the API refuse its own subtree', async ({ page }) => {
    const { tag, root, a, a1, b } = await smallTree(page);
    await page.goto(`${NODES_PAGE}?node=${b.id}`);
    await hydrated(page);
    await page.getByTestId('add-child').click();
    const create = page.getByTestId('node-create-dialog');
    await create.getByLabel('Name').fill(`${tag} B1`);
    await create.getByRole('button', { name: 'Create node' }).click();
    await expect(create).toHaveCount(0);
    await expect(page.getByTestId('node-panel-name')).toHaveText(`${tag} B1`);
    const created = new URL(page.url()).searchParams.get('node')!;
    const child = await (await getNode(page, created)).json();
    expect(child).toMatchObject({ name: `${tag} B1`, parent_id: b.id, depth: 2 });

    await page.getByTestId('rename-node').click();
    const rename = page.getByTestId('node-rename-dialog');
    await rename.getByLabel('Name').fill(`${tag} Beta one`);
    await rename.getByRole('button', { name: 'Save' }).click();
    await expect(rename).toHaveCount(0);
    expect((await (await getNode(page, created)).json()).name).toBe(`${tag} Beta one`);

    // Move A: its own subtree is listed as refused, and choosing it does nothing.
    await page.goto(`${NODES_PAGE}?node=${a.id}`);
    await hydrated(page);
    await page.getByTestId('move-node').click();
    const move = page.getByTestId('node-move-dialog');
    const picker = move.getByTestId('node-picker-input');
    await picker.fill(`${tag} A1`);
    const refused = move.getByTestId('node-option').filter({ hasText: `${tag} A1` });
    await expect(refused).toHaveAttribute('aria-disabled', 'true');
    await refused.dispatchEvent('mousedown');
    await expect(move.getByTestId('node-picker-error')).toContainText('cannot move under itself');
    // The API refuses the same move.
    const api = await page.request.patch(`${NODES_API}/${a.id}`, { data: { parent_id: a1.id } });
    expect(api.status()).toBe(422);
    // Under B instead.
    await picker.fill(`${tag} B`);
    await move.getByTestId('node-option').filter({ hasText: `${tag} root / ${tag} B` }).first().dispatchEvent('mousedown');
    await move.getByRole('button', { name: 'Move node' }).click();
    await expect(move).toHaveCount(0);
    const moved = await (await getNode(page, a.id)).json();
    expect(moved).toMatchObject({ parent_id: b.id, path: `${tag} root / ${tag} B / ${tag} A` });
    expect((await (await getNode(page, a1.id)).json()).path).toBe(`${tag} root / ${tag} B / ${tag} A / ${tag} A1`);
    await expect(page.getByTestId('node-panel-path')).toHaveText(`${tag} root / ${tag} B / ${tag} A`);
    expect(root.id).toBeTruthy();
  });

  test('delete explains the refusal and removes the counted subtree only with the cascade', async ({ page }) => {
    const { tag, root, a, a1 } = await smallTree(page);
    const person = await createIdentity(page, 'Del', unique('Node'));
    const role = await roles(page);
    await createAssignment(page, { identity_id: person.id, node_id: a1.id, role_id: role.viewer.id });
    await page.goto(`${NODES_PAGE}?node=${root.id}`);
    await hydrated(page);
    await page.getByTestId('delete-node').click();
    const dialog = page.getByTestId('node-delete-dialog');
    await expect(dialog.getByTestId('delete-in-use')).toContainText('2 child nodes (3 in its whole subtree) and 1 assignment');
    await expect(dialog.getByTestId('cascade-counts')).toContainText('3 nodes below it and 1 assignment');
    await shot(page, 'nodes-delete-dialog');
    // Without the box ticked nothing is sent.
    await dialog.getByRole('button', { name: 'Delete node' }).click();
    await expect(dialog.getByTestId('form-error')).toBeVisible();
    expect((await getNode(page, root.id)).status()).toBe(200);
    await dialog.getByTestId('confirm-cascade').check();
    await dialog.getByRole('button', { name: 'Delete node' }).click();
    await expect(dialog).toHaveCount(0);
    for (const id of [root.id, a.id, a1.id]) expect((await getNode(page, id)).status()).toBe(404);
    await expect(page.getByTestId('notice')).toContainText(`${tag} root deleted`);
  });

  test("a node's page lists direct and inherited access with the source node", async ({ page }) => {
    const { tag, root, a, a1 } = await smallTree(page);
    const last = unique('Access');
    const direct = await createIdentity(page, 'Dee', last);
    const inherited = await createIdentity(page, 'Ian', last);
    const role = await roles(page);
    await createAssignment(page, { identity_id: direct.id, node_id: a1.id, role_id: role.viewer.id });
    await createAssignment(page, { identity_id: inherited.id, node_id: root.id, role_id: role.editor.id });
    await page.goto(`${NODES_PAGE}/${a1.id}?q=${last}`);
    await hydrated(page);
    await expect(page.getByTestId('node-title')).toHaveText(`${tag} A1`);
    await expect(page.getByTestId('node-ancestors')).toContainText(`${tag} A`);
    const rows = page.getByTestId('access-row');
    await expect(rows).toHaveCount(2);
    const ian = rows.filter({ hasText: 'Ian' });
    await expect(ian.getByTestId('access-type')).toHaveAttribute('data-access', 'inherited');
    await expect(ian.getByTestId('access-source')).toHaveText(`${tag} root`);
    await expect(rows.filter({ hasText: 'Dee' }).getByTestId('access-type')).toHaveAttribute('data-access', 'direct');
    // The API agrees.
    const api = await page.request.get(`${NODES_API}/${a1.id}/assignments?q=${last}`);
    const items = (await api.json()).items as { identity: { id: string }; assignment: { access_type: string; source_node_id: string } }[];
    expect(items.map((i) => [i.identity.id, i.assignment.access_type, i.assignment.source_node_id]).sort()).toEqual(
      [
        [direct.id, 'direct', a1.id],
        [inherited.id, 'inherited', root.id],
      ].sort(),
    );
    await shot(page, 'node-page-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'node-page-390');
    // The access column is hidden at 390 px; the source under the name leads there too.
    await ian.getByTestId('access-source-narrow').click();
    await expect(page.getByTestId('node-title')).toHaveText(`${tag} root`);
    expect(a.id).toBeTruthy();
  });

  test('a 2,000-node tree is interactive quickly', async ({ page }) => {
    test.setTimeout(240_000);
    // 1 root, 10 regions, 100 teams, 1,889 projects: built through the API.
    const tag = unique('Big');
    const root = await createNode(page, `${tag} org`);
    const regions: Node[] = [];
    for (let r = 0; r < 10; r++) regions.push(await createNode(page, `${tag} region ${r}`, root.id));
    const teams: Node[] = [];
    for (const region of regions) for (let t = 0; t < 10; t++) teams.push(await createNode(page, `${region.name} team ${t}`, region.id));
    let made = 1 + regions.length + teams.length;
    const jobs: Promise<Node>[] = [];
    for (let i = 0; made < 2000; i++, made++) jobs.push(createNode(page, `${tag} project ${i}`, teams[i % teams.length].id));
    await Promise.all(jobs);
    const timings: number[] = [];
    for (let run = 0; run < 3; run++) {
      const started = Date.now();
      await page.goto(`${NODES_PAGE}?q=${encodeURIComponent(tag + ' region 3')}`);
      await hydrated(page);
      timings.push(Date.now() - started);
    }
    console.log(`2,000-node tree: time to interactive ${timings.join(', ')} ms`);
    await expect(page.getByTestId('tree-summary')).toContainText('match');
    // Typing a search redraws in place.
    const started = Date.now();
    await page.getByLabel('Search nodes').fill(`${tag} project 1999`);
    await expect(page.getByTestId('tree-summary')).toContainText('1 of');
    console.log(`search redraw ${Date.now() - started} ms (includes the 300 ms debounce)`);
    // A guard against gross regressions, not the 500 ms target (reported in the README, not met):
    // the best of 3 measured 1.1–1.5 s on 2 cores with the split build, 0.65–2.7 s without it.
    expect(Math.min(...timings)).toBeLessThan(2000);
    // Clean up: the cascade removes all 2,000.
    expect((await page.request.delete(`${NODES_API}/${root.id}?cascade=true`)).status()).toBe(204);
  });
});
