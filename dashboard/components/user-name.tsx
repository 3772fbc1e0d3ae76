import type { UserModel } from '../models/user.js';

/** "Acting as": the name changes are recorded under, typed once and remembered. */
export function UserName({ user }: { readonly user: UserModel }) {
  return (
    <label class={user.known.value ? 'user-name' : 'user-name user-name--missing'}>
      <span class="user-name__label">Acting as</span>
      <input
        class="input user-name__input"
        data-testid="user-name"
        value={user.name.value}
        placeholder="your name"
        maxLength={100}
        autoComplete="name"
        onInput={(event) => user.setName(event.currentTarget.value)}
      />
    </label>
  );
}

/** "API token": the token changes are made with ([X1]), pasted once and remembered; never shown back. */
export function ApiToken({ user }: { readonly user: UserModel }) {
  return (
    <label class={user.token.value ? 'user-name' : 'user-name user-name--missing'}>
      <span class="user-name__label">API token</span>
      <input
        class="input user-name__input"
        data-testid="api-token"
        type="password"
        value={user.token.value}
        placeholder="vgl_…"
        autoComplete="off"
        onInput={(event) => user.setToken(event.currentTarget.value)}
      />
    </label>
  );
}
