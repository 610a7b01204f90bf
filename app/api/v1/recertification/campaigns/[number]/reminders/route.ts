// POST /api/v1/recertification/campaigns/:number/reminders — remind every owner with undecided items now
import { withApi } from "@/lib/http/with-api";
import { sendReminders } from "@/lib/recertification/send-reminders";
import { ZCampaignParams } from "@/lib/recertification/schemas";

export const POST = withApi(
  { permission: "recertification:manage", params: ZCampaignParams },
  async ({ actor, params, requestId }) => sendReminders({ actor, number: params.number, requestId }),
);
