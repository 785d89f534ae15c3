// `npm start` on a fresh clone: wrangler dev reads secrets (ADMIN_KEY) from the gitignored
// .dev.vars, so create it from the checked-in example once; never overwrite an edited one.
import { copyFileSync, existsSync } from 'node:fs'

if (!existsSync('.dev.vars')) {
  copyFileSync('.dev.vars.example', '.dev.vars')
  console.log('created .dev.vars from .dev.vars.example (local demo keys)')
}
