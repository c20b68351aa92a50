// The login screen: a party token, kept in sessionStorage for this tab only.

import { h, field, replace } from '../dom';
import { t } from '../i18n';
import { unlockAudio } from '../alerts';
import { login } from '../sync';
import { errorBox } from './common';
import { languageSelect } from './shell';

export function mountLogin(host: HTMLElement, onDone: () => void, initialError?: unknown): void {
  const token = h('input', {
    props: { type: 'password', required: true },
    attrs: { autocomplete: 'off', spellcheck: 'false', name: 'token', 'data-testid': 'token', dir: 'ltr' },
  });
  const errHost = h('div', { attrs: { 'data-testid': 'login-error' } });
  const submit = h('button', { class: 'btn primary', props: { type: 'submit' }, attrs: { 'data-testid': 'login' } }, t('login.submit'));
  const form = h(
    'form',
    {
      class: 'login-form',
      on: {
        submit: (ev) => {
          ev.preventDefault();
          unlockAudio();
          const v = token.value.trim();
          if (!v) {
            token.setAttribute('aria-invalid', 'true');
            replace(errHost, h('p', { class: 'error-box', attrs: { role: 'alert' } }, t('login.empty')));
            token.focus();
            return;
          }
          submit.setAttribute('aria-busy', 'true');
          submit.disabled = true;
          replace(errHost, h('p', { class: 'hint', attrs: { role: 'status' } }, t('login.checking')));
          login(v)
            .then(() => onDone())
            .catch((e: unknown) => {
              token.setAttribute('aria-invalid', 'true');
              replace(errHost, errorBox(e, t('login.failed')));
              submit.disabled = false;
              submit.removeAttribute('aria-busy');
              token.focus();
              token.select();
            });
        },
      },
    },
    field(t('login.token'), token, t('login.tokenHint')),
    submit,
  );
  replace(
    host,
    h(
      'main',
      { id: 'main', class: 'login', attrs: { tabindex: -1 } },
      h(
        'div',
        { class: 'login-card' },
        h('h1', null, t('login.title')),
        h('p', null, t('login.intro')),
        form,
        errHost,
        h('div', { class: 'login-lang' }, languageSelect()),
        h('p', { class: 'hint' }, t('login.storage')),
      ),
    ),
  );
  if (initialError) replace(errHost, errorBox(initialError, t('login.expired')));
  token.focus();
}
