/** The encodings a secret could leak in: plain, base64, base64url, hex and URL-encoded. */
export function secretForms(secret: string): string[] {
  const b = Buffer.from(secret, "utf8");
  return [
    secret,
    b.toString("base64"),
    b.toString("base64").replace(/=+$/, ""),
    b.toString("base64url"),
    b.toString("hex"),
    encodeURIComponent(secret),
  ];
}

/** Which of `secrets` (by index) appear in `text` in any of their encodings. */
export function leakedSecrets(text: string, secrets: string[]): string[] {
  return secrets.filter((s) => secretForms(s).some((f) => text.includes(f)));
}
