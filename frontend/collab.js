// The collaborative document editor: ProseMirror bound to a Yjs document, kept in step with the
// server over plain HTTP (views/collab.py). Bundled by `make assets` into static/vendor/collab/.
//
// Each round sends what the server lacks, computed against the server's last state vector: an
// update that could not be sent (the connection dropped) stays in the page's Yjs document and is
// simply part of the next round's update. Nothing is ever "overwritten": Yjs merges.
import * as Y from 'yjs'
import { ySyncPlugin, yCursorPlugin, yUndoPlugin, undo, redo } from 'y-prosemirror'
import {
  Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates
} from 'y-protocols/awareness'
import { toBase64, fromBase64 } from 'lib0/buffer'
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { Schema } from 'prosemirror-model'
import { schema as basicSchema } from 'prosemirror-schema-basic'
import { addListNodes, wrapInList, splitListItem, liftListItem, sinkListItem } from 'prosemirror-schema-list'
import { keymap } from 'prosemirror-keymap'
import { baseKeymap, toggleMark, setBlockType, lift } from 'prosemirror-commands'

const FRAGMENT = 'prosemirror' // the same name as collab/state.py
const ACTIVE_INTERVAL = 1000
const HIDDEN_INTERVAL = 5000
const MAX_BACKOFF = 15000
const PALETTE = 8

// Links keep http(s) and mailto addresses only, as on the server (collab/render.py, which also
// refuses an update carrying another): pasted or received, a javascript: or data: link is text.
const SAFE_HREF = /^(https?:\/\/|mailto:)/i
const safeHref = (href) => (typeof href === 'string' && SAFE_HREF.test(href.trim())) ? href.trim() : null

const schema = new Schema({
  nodes: addListNodes(basicSchema.spec.nodes.remove('image'), 'paragraph block*', 'block'),
  marks: basicSchema.spec.marks.update('link', {
    attrs: { href: {}, title: { default: null } },
    inclusive: false,
    parseDOM: [{
      tag: 'a[href]',
      getAttrs (dom) {
        const href = safeHref(dom.getAttribute('href'))
        return href ? { href, title: dom.getAttribute('title') } : false
      }
    }],
    toDOM (mark) {
      const href = safeHref(mark.attrs.href)
      return href ? ['a', { href, title: mark.attrs.title, rel: 'nofollow ugc noopener' }, 0] : ['span', 0]
    }
  })
})

const slotOf = (user) => ((user && Number.isInteger(user.slot)) ? user.slot : 0) % PALETTE

// Colours come from classes (collab-c0 … collab-c7): the site's CSP forbids style attributes.
function cursorBuilder (user) {
  const cursor = document.createElement('span')
  cursor.className = `collab-cursor collab-c${slotOf(user)}`
  const label = document.createElement('span')
  label.className = 'collab-cursor-label'
  label.textContent = (user && user.name) || ''
  cursor.append('\u2060', label, '\u2060')
  return cursor
}

function selectionBuilder (user) {
  return { class: `collab-selection collab-c${slotOf(user)}` }
}

function button (label, run, isActive) {
  const b = document.createElement('button')
  b.type = 'button'
  b.className = 'collab-tool'
  b.textContent = label
  b.run = run
  b.isActive = isActive
  return b
}

function markActive (state, type) {
  const { from, $from, to, empty } = state.selection
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks())
  return state.doc.rangeHasMark(from, to, type)
}

function blockActive (state, type, attrs) {
  const { $from } = state.selection
  const node = $from.parent
  if (node.type !== type) return false
  return !attrs || Object.keys(attrs).every((k) => node.attrs[k] === attrs[k])
}

function promptLink (state, dispatch) {
  const type = schema.marks.link
  if (markActive(state, type)) return toggleMark(type)(state, dispatch)
  if (state.selection.empty) {
    window.alert('Sélectionnez d\'abord les mots qui deviendront un lien.')
    return false
  }
  let href = window.prompt('Adresse du lien (par exemple https://www.exemple.fr) :', 'https://')
  if (!href) return false
  href = href.trim()
  if (!safeHref(href)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) && !/^[^:/]+:\d/.test(href)) {
      window.alert('Seules les adresses qui commencent par http://, https:// ou mailto: sont acceptées.')
      return false
    }
    href = 'https://' + href // « www.exemple.fr »
  }
  return toggleMark(type, { href, title: null })(state, dispatch)
}

function toolbar (view) {
  const bar = document.createElement('div')
  bar.className = 'collab-toolbar'
  bar.setAttribute('role', 'toolbar')
  bar.setAttribute('aria-label', 'Mise en forme')
  const s = schema
  const tools = [
    button('Titre', setBlockType(s.nodes.heading, { level: 2 }), (st) => blockActive(st, s.nodes.heading, { level: 2 })),
    button('Sous-titre', setBlockType(s.nodes.heading, { level: 3 }), (st) => blockActive(st, s.nodes.heading, { level: 3 })),
    button('Texte', setBlockType(s.nodes.paragraph), (st) => blockActive(st, s.nodes.paragraph)),
    button('Gras', toggleMark(s.marks.strong), (st) => markActive(st, s.marks.strong)),
    button('Italique', toggleMark(s.marks.em), (st) => markActive(st, s.marks.em)),
    button('Liste à puces', wrapInList(s.nodes.bullet_list)),
    button('Liste numérotée', wrapInList(s.nodes.ordered_list)),
    button('Sortir de la liste', (st, d) => liftListItem(s.nodes.list_item)(st, d) || lift(st, d)),
    button('Lien', promptLink, (st) => markActive(st, s.marks.link)),
    button('Annuler', (st) => undo(st)),
    button('Rétablir', (st) => redo(st))
  ]
  tools.forEach((b) => {
    b.addEventListener('mousedown', (e) => e.preventDefault()) // keep the selection
    b.addEventListener('click', () => {
      b.run(view.state, view.dispatch, view)
      view.focus()
    })
    bar.append(b)
  })
  bar.refresh = (state) => tools.forEach((b) => {
    if (b.isActive) b.setAttribute('aria-pressed', b.isActive(state) ? 'true' : 'false')
  })
  return bar
}

function start (root) {
  const syncUrl = root.dataset.syncUrl
  const csrf = root.dataset.csrf
  const status = document.getElementById('collab-status')
  const editorsBox = document.getElementById('collab-editors')
  const fallback = root.querySelector('.collab-fallback')

  const ydoc = new Y.Doc()
  const fragment = ydoc.getXmlFragment(FRAGMENT)
  const awareness = new Awareness(ydoc)
  awareness.setLocalState({ user: {} })

  let serverSV = null // the server's state vector after our last successful round
  let localChanges = 0 // local updates not yet acknowledged by the server
  let view = null
  let stopped = false
  let failures = 0
  let timer = null
  let notBefore = 0 // after a 429, no round before the time the server asked for (Retry-After)
  let lastStatus = ''

  ydoc.on('update', (update, origin) => { if (origin !== 'server') { localChanges += 1; schedule(300) } })

  function say (text, kind) {
    if (text === lastStatus) return
    lastStatus = text
    status.textContent = text
    status.className = 'collab-status' + (kind ? ' collab-status-' + kind : '')
  }

  function showEditors (editors) {
    editorsBox.replaceChildren()
    if (!editors || editors.length < 2) return
    const label = document.createElement('span')
    label.textContent = 'En train d\'écrire : '
    editorsBox.append(label)
    editors.forEach((e, i) => {
      const who = document.createElement('span')
      who.className = `collab-person collab-c${slotOf(e)}`
      who.textContent = e.me ? `${e.name} (vous)` : e.name
      editorsBox.append(who)
      if (i < editors.length - 1) editorsBox.append(', ')
    })
  }

  function mount () {
    let tools = null
    const host = document.createElement('div')
    host.className = 'collab-editor rich-text'
    view = new EditorView(host, {
      state: EditorState.create({
        schema,
        plugins: [
          ySyncPlugin(fragment),
          yCursorPlugin(awareness, { cursorBuilder, selectionBuilder }),
          yUndoPlugin(),
          keymap({
            'Mod-z': undo,
            'Mod-y': redo,
            'Mod-Shift-z': redo,
            'Mod-b': toggleMark(schema.marks.strong),
            'Mod-i': toggleMark(schema.marks.em),
            Enter: splitListItem(schema.nodes.list_item),
            Tab: sinkListItem(schema.nodes.list_item),
            'Shift-Tab': liftListItem(schema.nodes.list_item)
          }),
          keymap(baseKeymap)
        ]
      }),
      attributes: {
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-labelledby': 'collab-titre',
        class: 'collab-surface'
      },
      dispatchTransaction (tr) { // `this`: the view, also while it is being built
        this.updateState(this.state.apply(tr))
        if (tools) tools.refresh(this.state)
      }
    })
    tools = toolbar(view)
    if (fallback) fallback.remove()
    root.append(tools, host)
    tools.refresh(view.state)
  }

  function schedule (delay) {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(round, Math.max(delay, notBefore - Date.now()))
  }

  function nextDelay () {
    if (failures) return Math.min(ACTIVE_INTERVAL * 2 ** failures, MAX_BACKOFF)
    return document.hidden ? HIDDEN_INTERVAL : ACTIVE_INTERVAL
  }

  function payload (leave) {
    const sending = localChanges
    const update = sending ? (serverSV ? Y.encodeStateAsUpdate(ydoc, serverSV) : Y.encodeStateAsUpdate(ydoc)) : null
    return {
      sending,
      body: JSON.stringify({
        client: ydoc.clientID,
        sv: toBase64(Y.encodeStateVector(ydoc)),
        update: update ? toBase64(update) : null,
        awareness: toBase64(encodeAwarenessUpdate(awareness, [ydoc.clientID])),
        leave: !!leave
      })
    }
  }

  class NetworkError extends Error {}

  let inFlight = false
  async function round () {
    if (stopped || inFlight) return
    inFlight = true
    const { sending, body } = payload(false)
    try {
      const response = await fetch(syncUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body
      })
      let answer = {}
      try { answer = await response.json() } catch (e) { answer = {} }
      if (response.status === 429) { // too fast: what was typed stays in the page, sent after the wait
        notBefore = Date.now() + Math.max(1, parseInt(response.headers.get('Retry-After'), 10) || 1) * 1000
        say(answer.error || 'Trop de modifications d\'un coup : nouvel essai dans un instant…', 'error')
        return
      }
      if (response.status === 403 || response.status === 400 || response.status === 413) {
        stop(answer.error || 'Le serveur a refusé la modification.')
        return
      }
      if (response.status === 404) { // no longer visible to this person, or no longer collaborative
        stop('Ce document n\'est plus accessible ici : rechargez la page.')
        return
      }
      if (!response.ok) throw new NetworkError(String(response.status))
      failures = 0
      Y.applyUpdate(ydoc, fromBase64(answer.update), 'server')
      serverSV = fromBase64(answer.sv)
      localChanges = Math.max(0, localChanges - sending)
      ;(answer.awareness || []).forEach((a) => applyAwarenessUpdate(awareness, fromBase64(a), 'server'))
      const present = new Set(answer.clients || [])
      const gone = [...awareness.getStates().keys()].filter((c) => c !== ydoc.clientID && !present.has(c))
      if (gone.length) removeAwarenessStates(awareness, gone, 'server')
      showEditors(answer.editors)
      if (!view) mount()
      say(localChanges ? 'Enregistrement…' : 'Tout est enregistré.', 'ok')
    } catch (e) {
      if (!(e instanceof TypeError && /fetch/i.test(e.message)) && !(e instanceof NetworkError)) console.error(e)
      failures += 1
      if (!view) {
        say('Impossible de joindre le serveur. Nouvel essai dans un instant…', 'error')
      } else {
        say('Connexion perdue : ce que vous écrivez est gardé dans la page et sera enregistré ' +
            'dès le retour de la connexion.', 'error')
      }
    } finally {
      inFlight = false
      schedule(nextDelay())
    }
  }

  function stop (message) {
    stopped = true
    clearTimeout(timer)
    if (view) view.setProps({ editable: () => false })
    say(message, 'error')
  }

  window.addEventListener('beforeunload', (event) => {
    if (localChanges && !stopped) { event.preventDefault(); event.returnValue = '' }
  })
  window.addEventListener('pagehide', () => {
    if (stopped) return
    const { body } = payload(true)
    fetch(syncUrl, {
      method: 'POST',
      keepalive: true,
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body
    }).catch(() => {})
  })
  document.addEventListener('visibilitychange', () => schedule(document.hidden ? HIDDEN_INTERVAL : 0))
  window.addEventListener('online', () => schedule(0))

  // For the browser tests and the curious: the page's Yjs document and its state.
  root.collab = { ydoc, fragment, pending: () => localChanges, round }
  round()
}

const root = document.getElementById('collab')
if (root) start(root)
