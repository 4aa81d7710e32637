/** The annotator page's own shortcuts, as listed in its help panel (the editor adds its tools'). */

import { CHANNEL_SHORTCUT } from '../../components/ChannelSelect';
import { NEIGHBOUR_SHORTCUT } from '../../components/NeighbourPanel';
import { REFERENCE_SHORTCUT } from '../../components/ReferencePanel';
import { HELP_SHORTCUT } from '../../components/ShortcutPanel';
import { WINDOW_SHORTCUTS } from '../../components/WindowControl';
import type { ShortcutGroup } from '../../lib/keys';

/** Which optional panels the page shows: each brings its key into the list. */
export interface ShortcutPanels {
  reference: boolean;
  proposal: boolean;
  channels: boolean;
}

export function annotationShortcuts(panels: ShortcutPanels): ShortcutGroup {
  return {
    title: 'Annotation',
    items: [
      { keys: 'Ctrl+Enter', label: 'Submit this section' },
      { keys: 'Ctrl+S', label: 'Save draft now (drafts also save automatically)' },
      NEIGHBOUR_SHORTCUT,
      { keys: 'G', label: 'Ghost: your outline on the adjacent section' },
      { keys: 'C', label: 'Copy your mask from the previous section, or the next when only it has yours (Shift+C: next)' },
      ...(panels.reference ? [REFERENCE_SHORTCUT] : []),
      ...(panels.proposal ? [{ keys: 'M', label: "Load the model's proposal for this section" }] : []),
      ...WINDOW_SHORTCUTS,
      ...(panels.channels ? [CHANNEL_SHORTCUT] : []),
      { keys: 'N', label: 'Next section of your queue (after submitting)' },
      HELP_SHORTCUT,
    ],
  };
}
