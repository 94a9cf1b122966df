/**
 * Design decision 5: a webhook URL that carries a credential must come as a Pulumi secret. A plain string of that
 * kind would sit unencrypted in the program, the stack config and the state.
 */

/** Chat services whose incoming-webhook URL is itself the credential: a token (or key) in the path. */
const CHAT_WEBHOOKS: readonly {
  readonly service: string;
  readonly token: string;
  matches(url: URL): boolean;
}[] = [
  { service: 'Slack', token: 'token', matches: (u) => u.hostname === 'hooks.slack.com' },
  {
    service: 'Microsoft Teams',
    token: 'token',
    matches: (u) => u.hostname.endsWith('.webhook.office.com'),
  },
  {
    service: 'Discord',
    token: 'token',
    matches: (u) =>
      ['discord.com', 'discordapp.com'].includes(u.hostname) && u.pathname.startsWith('/api/webhooks/'),
  },
  { service: 'Google Chat', token: 'key', matches: (u) => u.hostname === 'chat.googleapis.com' },
];

/** The chat service whose incoming webhook `url` is, or undefined. */
export function chatWebhookService(url: URL): string | undefined {
  return CHAT_WEBHOOKS.find((w) => w.matches(url))?.service;
}

/** What credential `url` carries, in words, or undefined when it carries none we know of. */
export function webhookCredential(url: URL): string | undefined {
  if (url.username || url.password) return 'user info';
  if (url.search && url.search !== '?') return 'a query string';
  const chat = CHAT_WEBHOOKS.find((w) => w.matches(url));
  return chat && `a ${chat.service} webhook ${chat.token} in the path`;
}
