/**
 * What a webhook URL may be. A URL that carries a credential must come as a Pulumi secret: a plain string of that
 * kind would sit unencrypted in the program, the stack config and the state. A chat service's incoming webhook is
 * refused on every cloud, since each cloud posts its own JSON, which those webhooks reject.
 */

/** Chat services with incoming webhooks (their URL is itself the credential: a token or key in the path). */
const CHAT_WEBHOOKS: readonly { readonly service: string; matches(url: URL): boolean }[] = [
  { service: 'Slack', matches: (u) => u.hostname === 'hooks.slack.com' },
  { service: 'Microsoft Teams', matches: (u) => u.hostname.endsWith('.webhook.office.com') },
  {
    service: 'Discord',
    matches: (u) =>
      ['discord.com', 'discordapp.com'].includes(u.hostname) && u.pathname.startsWith('/api/webhooks/'),
  },
  { service: 'Google Chat', matches: (u) => u.hostname === 'chat.googleapis.com' },
];

/** The chat service whose incoming webhook `url` is, or undefined. */
export function chatWebhookService(url: URL): string | undefined {
  return CHAT_WEBHOOKS.find((w) => w.matches(url))?.service;
}

/** What credential `url` carries, in words, or undefined when it carries none we know of. */
export function webhookCredential(url: URL): string | undefined {
  if (url.username || url.password) return 'user info';
  if (url.search && url.search !== '?') return 'a query string';
  return undefined;
}
