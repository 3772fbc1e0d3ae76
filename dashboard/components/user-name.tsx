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

/** "API token": pasted once to sign in ([X1]); the token is traded for a session cookie and not kept. */
export function ApiToken({ user }: { readonly user: UserModel }) {
  const who = user.signedInAs.value;
  return (
    <label class={who ? 'user-name' : 'user-name user-name--missing'}>
      <span class="user-name__label">{who ? 'Signed in as' : 'API token'}</span>
      {who ? (
        <span class="user-name__signed-in" data-testid="signed-in-as">
          {who}
        </span>
      ) : null}
      <input
        class="input user-name__input"
        data-testid="api-token"
        type="password"
        value={user.token.value}
        placeholder={who ? 'another token…' : 'vgl_…'}
        autoComplete="off"
        title={user.signInError.value ?? undefined}
        onInput={(event) => user.setToken(event.currentTarget.value)}
      />
    </label>
  );
}
