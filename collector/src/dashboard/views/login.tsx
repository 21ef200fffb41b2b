import { BarePage } from './layout.tsx';

/** The login page: one field, the admin token. */
export function LoginPage(props: { base: string; csrfToken: string; error?: string; next?: string }) {
  return (
    <BarePage base={props.base} title="Log in">
      <form class="stack login" method="post" action={`${props.base}/login`}>
        <h1>procwatch</h1>
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
        <div class={props.error ? 'field invalid' : 'field'}>
          <label for="token">Admin token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
          <span class="hint">
            Printed once when the collector first started; the quick start keeps it in ./data/admin-token.
          </span>
          {props.error ? (
            <span class="error" role="alert">
              {props.error}
            </span>
          ) : null}
        </div>
        <div class="field">
          <label for="operator">Your name</label>
          <input id="operator" name="operator" type="text" autocomplete="name" maxlength={100} />
          <span class="hint">Optional: acknowledgements you make carry it.</span>
        </div>
        <button class="primary" type="submit">
          Log in
        </button>
      </form>
    </BarePage>
  );
}
