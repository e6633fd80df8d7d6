/**
 * Layer group names that more than one app writes to: the notification groups of
 * `/ws/notify/`. Whoever wants to reach a user's notify sockets (a chat mention, a work order
 * waiting for approval) sends there; the accounts app's consumer relays `{"type": "notify"}`.
 */

/** Every notify socket of a user group. */
export const groupChannel = (groupName: string): string => `channel_${groupName}`;

/** Every notify socket (all tabs, any node) of one user. */
export const userChannel = (uid: number | string): string => `user_${uid}`;
