// Calls to the server's REST API: same origin, session cookie, the CSRF
// token on every state-changing request, server errors surfaced by message.

import type { Alert, Principal } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';

export function setCSRF(token: string | undefined): void {
  csrf = token ?? '';
}

// errorMessage reads {"error":{"code","message"}} from a failed response.
async function toError(res: Response): Promise<ApiError> {
  let code = '';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', (e as Error).message || 'network error');
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});

export async function signIn(user: string, password: string): Promise<Principal> {
  const p = await request<Principal>('POST', '/api/v1/session', { user, password });
  setCSRF(p.csrf);
  return p;
}

export async function me(): Promise<Principal> {
  const p = await get<Principal>('/api/v1/me');
  setCSRF(p.csrf);
  return p;
}

export async function signOut(): Promise<void> {
  await request<void>('DELETE', '/api/v1/session');
  setCSRF('');
}

export async function changePassword(current: string, next: string): Promise<void> {
  await request<void>('POST', '/api/v1/me/password', { current, new: next });
}

export type AlertAction = 'acknowledge' | 'assign' | 'resolve' | 'dismiss';

// alertAction runs a life-cycle action and returns the alert as it now is.
export function alertAction(id: number, action: AlertAction, body: { note?: string; to?: string; reason?: string }) {
  return post<Alert>(`/api/v1/alerts/${encodeURIComponent(String(id))}/${action}`, body);
}
