// The smallest app that uses @wirepack/client the default way: what a Vite build of it ships is what
// the client costs an app (scripts/app-build.ts builds it).
import { createBatchFetch } from '../../src/index.ts';

const batchFetch = createBatchFetch();
const users = await Promise.all([1, 2, 3].map((id) => batchFetch(`/api/users/${id}`).then((r) => r.json())));
document.body.textContent = JSON.stringify(users);
