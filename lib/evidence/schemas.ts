import { z } from "zod";

const ZMoment = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), { message: "must be a date and time" });

export const ZStateAtQuery = z.object({ at: ZMoment });
export type TStateAtQuery = z.infer<typeof ZStateAtQuery>;

export const ZStateDiffQuery = z
  .object({ from: ZMoment, to: ZMoment })
  .refine((q) => q.from.getTime() !== q.to.getTime(), { message: "must differ from to", path: ["from"] });
export type TStateDiffQuery = z.infer<typeof ZStateDiffQuery>;
