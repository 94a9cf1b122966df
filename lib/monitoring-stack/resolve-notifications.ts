/** Who a MonitoringStack tells, and on docker the mail server and the UIs' host ports. */
import type * as pulumi from '@pulumi/pulumi';
import type { Cloud } from '../core/stage';
import { checkInteger, isKnown, knownString, type ProblemList } from '../core/validation';
import { MONITORING_DEFAULTS, MONITORING_STAGE_DEFAULTS } from './defaults';
import type { ResolvedMonitoringDocker, ResolvedNotifications } from './resolved';
import {
  EMAIL,
  NOTIFICATION_CHANNEL,
  SMARTHOST,
  SNS_TOPIC_ARN,
  checkKnownPattern,
  type Inputs,
} from './resolve-common';
import { chatWebhookService, webhookCredential } from './webhook';

export function resolveNotifications({ args, platform, problems }: Inputs): ResolvedNotifications {
  const n = args.notifications ?? {};
  const cloud = platform.cloud;
  const emails = n.emails ?? [];
  emails.forEach((email, i) => {
    if (!EMAIL.test(email))
      problems.add(
        `notifications.emails[${i}]`,
        `"${email}" is not an email address`,
        'give an address such as `oncall@example.com`',
      );
  });
  checkWebhook(problems, n.webhookUrl, cloud);
  if (n.topicArn !== undefined && cloud !== 'aws')
    problems.add(
      'notifications.topicArn',
      `is an SNS topic, which only aws notifies (this stack deploys to ${cloud})`,
      cloud === 'gcp' ? 'use `channelIds`, `emails` or `webhookUrl`' : 'use `emails` or `webhookUrl`',
    );
  else
    checkKnownPattern(
      problems,
      'notifications.topicArn',
      n.topicArn,
      SNS_TOPIC_ARN,
      'an SNS topic ARN such as `arn:aws:sns:eu-west-1:123456789012:oncall`',
    );
  const channelIds = n.channelIds ?? [];
  if (channelIds.length > 0 && cloud !== 'gcp')
    problems.add(
      'notifications.channelIds',
      `are Cloud Monitoring channels, which only gcp notifies (this stack deploys to ${cloud})`,
      cloud === 'aws' ? 'use `topicArn`, `emails` or `webhookUrl`' : 'use `emails` or `webhookUrl`',
    );
  else
    channelIds.forEach((id, i) =>
      checkKnownPattern(
        problems,
        `notifications.channelIds[${i}]`,
        id,
        NOTIFICATION_CHANNEL,
        'a channel id such as `projects/p/notificationChannels/123`',
      ),
    );
  const anyone =
    emails.length > 0 ||
    n.webhookUrl !== undefined ||
    (cloud === 'aws' && n.topicArn !== undefined) ||
    (cloud === 'gcp' && channelIds.length > 0);
  if (!anyone && MONITORING_STAGE_DEFAULTS[platform.stage].notificationsRequired)
    problems.add(
      'notifications',
      `tells nobody, and alarms in ${platform.stage} must have an action (the endpoint's rollback alarms too)`,
      `give at least one of notifications.emails, webhookUrl${cloud === 'aws' ? ', topicArn' : cloud === 'gcp' ? ', channelIds' : ''}`,
    );
  return {
    emails,
    webhookUrl: n.webhookUrl,
    topicArn: cloud === 'aws' ? n.topicArn : undefined,
    channelIds: cloud === 'gcp' ? channelIds : [],
  };
}

/** An https URL; a plain string that carries a credential is refused (design decision 5). Outputs pass. */
function checkWebhook(problems: ProblemList, value: pulumi.Input<string> | undefined, cloud: Cloud): void {
  const url = knownString(value);
  if (url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.add(
      'notifications.webhookUrl',
      'is not a URL',
      'give an https URL such as `https://alerts.example.com/hook`',
    );
    return;
  }
  if (parsed.protocol !== 'https:') {
    problems.add(
      'notifications.webhookUrl',
      `uses ${parsed.protocol.replace(/:$/, '')}, not https (alerts would travel in clear text)`,
      'give an https URL',
    );
    return;
  }
  const chat = chatWebhookService(parsed);
  if (chat) {
    // Even as a secret it would not work: each cloud posts its own JSON, which chat webhooks reject.
    const { sender, fix } = CHAT_REFUSAL[cloud];
    problems.add(
      'notifications.webhookUrl',
      `is a ${chat} incoming webhook, which does not accept the ${sender}`,
      fix(chat),
    );
    return;
  }
  const credential = webhookCredential(parsed);
  if (credential)
    problems.add(
      'notifications.webhookUrl',
      `carries a credential (${credential}) as a plain string, which would sit unencrypted in the program, the config and the state (host ${parsed.host})`,
      'pass it as a Pulumi secret, such as `config.requireSecret("alertWebhook")` after `pulumi config set --secret alertWebhook <url>`, or notify an existing topic or channel',
    );
}

/** Why a chat incoming webhook cannot be the webhook on each cloud, and where chat alerts go instead. */
const CHAT_REFUSAL: Record<Cloud, { sender: string; fix: (chat: string) => string }> = {
  aws: {
    sender:
      'messages an SNS https subscription sends (SNS first posts a SubscriptionConfirmation the endpoint must confirm, then its own notification JSON)',
    fix: () =>
      'deliver chat alerts through AWS Chatbot (Amazon Q Developer in chat applications) subscribed to an SNS topic, and pass that topic in notifications.topicArn',
  },
  gcp: {
    sender: "incident JSON Cloud Monitoring's webhook channel posts",
    fix: (chat) =>
      `create a ${chat} notification channel in Cloud Monitoring (where it has one) and pass its id in notifications.channelIds`,
  },
  docker: {
    sender: "alert JSON Alertmanager's webhook receiver posts",
    fix: () =>
      'point webhookUrl at a relay that turns Alertmanager alerts into chat messages, or notify by email',
  },
};

export function resolveDockerSettings(
  { args, platform, problems }: Inputs,
  notifications: ResolvedNotifications,
): ResolvedMonitoringDocker | undefined {
  if (platform.cloud !== 'docker') return undefined;
  const d = args.docker ?? {};
  const ports = {
    grafanaPort: d.grafanaPort ?? MONITORING_DEFAULTS.grafanaPort,
    prometheusPort: d.prometheusPort ?? MONITORING_DEFAULTS.prometheusPort,
    alertmanagerPort: d.alertmanagerPort ?? MONITORING_DEFAULTS.alertmanagerPort,
  };
  for (const key of Object.keys(ports) as (keyof typeof ports)[])
    checkInteger(problems, `docker.${key}`, d[key], 1, 65535);
  const smtp = d.smtp;
  if (notifications.emails.length > 0 && !smtp)
    problems.add(
      'docker.smtp',
      'is required on docker to send notifications.emails (Alertmanager sends mail through it)',
      'give `{ smarthost: "smtp.example.com:587", from: "alerts@example.com" }`, or leave the emails out',
    );
  if (smtp) {
    if (smtp.smarthost !== undefined && !SMARTHOST.test(smtp.smarthost))
      problems.add(
        'docker.smtp.smarthost',
        `"${smtp.smarthost}" is not host:port`,
        'give the mail server as `host:port`, such as `smtp.example.com:587`',
      );
    if (smtp.from !== undefined && !EMAIL.test(smtp.from))
      problems.add(
        'docker.smtp.from',
        `"${smtp.from}" is not an email address`,
        'give the sender address, such as `alerts@example.com`',
      );
    if (typeof smtp.password === 'string' && isKnown(smtp.password))
      problems.add(
        'docker.smtp.password',
        'is a plain string, which would sit unencrypted in the program, the config and the state',
        'pass it as a Pulumi secret, such as `config.requireSecret("smtpPassword")`',
      );
  }
  return {
    ...ports,
    smtp: smtp && {
      smarthost: smtp.smarthost!,
      from: smtp.from!,
      username: smtp.username,
      password: smtp.password,
      requireTls: smtp.requireTls ?? MONITORING_DEFAULTS.smtpRequireTls,
    },
  };
}
