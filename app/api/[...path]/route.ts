import { ApiError, errorResponse } from "@/lib/http/errors";

// Unknown API paths answer in the API's JSON shape, not with the HTML 404 page. No data is touched.
const unknownRoute = async () => errorResponse(new ApiError("not_found", "No such API route."));

export {
  unknownRoute as GET,
  unknownRoute as POST,
  unknownRoute as PUT,
  unknownRoute as PATCH,
  unknownRoute as DELETE,
};
