// The attributes of declarative personalization's conditions, known to the core (which loads the
// show/hide chunk once a page has one) and to the chunk (which applies them).
export const SHOW_IF = 'data-tw-show-if'
export const HIDE_IF = 'data-tw-hide-if'
/** Any element with a condition. */
export const CONDITIONS = `[${SHOW_IF}],[${HIDE_IF}]`
