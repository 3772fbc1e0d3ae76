// The receiver kinds Vigil ships: one registration line each.
import { alertmanager } from './alertmanager.js';
import { alertmanagerWebhook } from './alertmanager-webhook.js';
import { discord } from './discord.js';
import { email } from './email.js';
import { googlechat } from './googlechat.js';
import { mattermost } from './mattermost.js';
import { pagerduty } from './pagerduty.js';
import { receiverRegistry, type ReceiverRegistry } from './receiver.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { webhook } from './webhook.js';

/** Every built-in receiver kind, in an explicit registry that refuses duplicates. */
export function builtinReceivers(): ReceiverRegistry {
  return receiverRegistry([slack, teams, discord, googlechat, mattermost, pagerduty, email, webhook, alertmanagerWebhook, alertmanager]);
}
