import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

/**
 * zod/mini loads no locale, so every issue would read "Invalid input". The English messages say
 * what was expected ("Too small: expected string to have >=1 characters"), which callers need.
 * Imported by every module that turns issues into messages for a caller.
 */
z.config(en());
