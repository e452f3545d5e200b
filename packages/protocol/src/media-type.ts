/** Whether a Content-Type names JSON (`application/json`, `application/*+json`, any parameters). */
export function isJsonMediaType(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const essence = (contentType.split(';', 1)[0] as string).trim().toLowerCase();
  return essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'));
}

/** Whether a Content-Type's essence equals a media type, ignoring case and parameters. */
export function isMediaType(contentType: string | null | undefined, mediaType: string): boolean {
  if (!contentType) return false;
  return (contentType.split(';', 1)[0] as string).trim().toLowerCase() === mediaType;
}
