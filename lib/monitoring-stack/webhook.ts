/**
 * Design decision 5: a webhook URL that carries a credential must come as a Pulumi secret. A plain string of that
 * kind would sit unencrypted in the program, the stack config and the state.
 */

/** Chat services whose incoming-webhook URL is itself the credential: a token in the path. */
const TOKEN_PATH_WEBHOOKS: readonly { readonly name: string; matches(url: URL): boolean }[] = [
  { name: 'a Slack webhook token in the path', matches: (u) => u.hostname === 'hooks.slack.com' },
  {
    name: 'a Microsoft Teams webhook token in the path',
    matches: (u) => u.hostname.endsWith('.webhook.office.com'),
  },
  {
    name: 'a Discord webhook token in the path',
    matches: (u) =>
      ['discord.com', 'discordapp.com'].includes(u.hostname) && u.pathname.startsWith('/api/webhooks/'),
  },
  { name: 'a Google Chat webhook key in the path', matches: (u) => u.hostname === 'chat.googleapis.com' },
];

/** What credential `url` carries, in words, or undefined when it carries none we know of. */
export function webhookCredential(url: URL): string | undefined {
  if (url.username || url.password) return 'user info';
  if (url.search && url.search !== '?') return 'a query string';
  return TOKEN_PATH_WEBHOOKS.find((w) => w.matches(url))?.name;
}
