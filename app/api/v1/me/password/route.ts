// PUT /api/v1/me/password — change the signed-in person's own password (current password required)
import { withApi } from "@/lib/http/with-api";
import { changeOwnPassword } from "@/lib/users/change-own-password";
import { ZChangePasswordRequest } from "@/lib/users/schemas";

export const PUT = withApi(
  { permission: "token:self", body: ZChangePasswordRequest },
  async ({ actor, body, requestId }) => {
    await changeOwnPassword({ actor, input: body, requestId });
    return { changed: true };
  },
);
