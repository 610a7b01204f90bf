// POST /api/v1/change-requests/:number/dependant-tests — runs the tests of the policies that use what the change request changes, with its versions
import { withApi } from "@/lib/http/with-api";
import { runDependantTests } from "@/lib/change-requests/change-request-dependants";
import { ZChangeRequestParams } from "@/lib/change-requests/schemas";

export const POST = withApi({ permission: "test:run", params: ZChangeRequestParams }, ({ actor, params, requestId }) =>
  runDependantTests({ actor, number: params.number, requestId }),
);
