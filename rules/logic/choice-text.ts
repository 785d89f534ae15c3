// `cat` of constants and of decision programs that end in constants (`{"cat": ["R", {"if": [...,
// 3, ..., 2, 1]}, "F", ...]}`, a score written as text): every part is run here as a program, and
// the text of each of its ends is computed once. Neither a call of each part's closure (a call
// site that sees every part's function) nor a conversion of its value per evaluation.
import { choiceOf, decide } from './decision-program.ts'
import type { Choice } from './decision-program.ts'
import type { ConstantOf } from './fast-paths.ts'
import type { Evaluate } from './operation.ts'
import { toText } from './values.ts'

/** A part of the text: a program with the text of each of its ends (a constant: no tests). */
interface TextPart {
  tests: Choice['tests']
  entry: number
  texts: readonly string[]
}

type Slotted = { v: readonly unknown[] }
const NO_SLOTS: readonly unknown[] = []

/** `cat` over `args` when every one is a constant or a program that ends in constants. */
export function catOfChoices(
  args: readonly Evaluate[],
  constantOf: ConstantOf,
): Evaluate | undefined {
  const parts: TextPart[] = []
  let slotted = false
  for (const arg of args) {
    const constant = constantOf(arg)
    const choice = constant ? undefined : choiceOf(arg)
    if (constant) parts.push({ tests: [], entry: ~0, texts: [toText(constant.value)] })
    else if (choice) {
      parts.push({ tests: choice.tests, entry: choice.entry, texts: choice.values.map(toText) })
    } else return undefined
    slotted ||= choice?.slotted ?? false
  }
  // Constants only: folded by the compiler.
  if (parts.every((part) => part.tests.length === 0)) return undefined
  return (data) => {
    const v = slotted ? (data as Slotted).v : NO_SLOTS
    let text = ''
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      text += part.texts[~decide(part.tests, part.entry, v, data)]!
    }
    return text
  }
}
