// The page's behaviour: choose or drop the register, send it, show the answer. Every text from the
// server is set with textContent, never as HTML.
"use strict";

const formular = document.getElementById("formular");
const slapp = document.getElementById("slapp");
const valjKnapp = document.getElementById("valj");
const filfalt = document.getElementById("fil");
const tidigare = document.getElementById("tidigare");
const filnamn = document.getElementById("filnamn");
const skapa = document.getElementById("skapa");
const periodrad = document.getElementById("periodrad");
const periodval = document.getElementById("period");
const arbetar = document.getElementById("arbetar");
const framsteg = document.getElementById("framsteg");
const arbetarText = document.getElementById("arbetar-text");
const resultat = document.getElementById("resultat");
let register = null;

function valj(fil) {
  register = fil;
  filnamn.textContent = fil ? `Vald fil: ${fil.name}` : "";
  skapa.disabled = !fil;
  periodrad.hidden = true;  // the periods are the new register's, once it is read
  periodval.replaceChildren();
}

// one control to choose the file: the button (a real button, so keyboard and screen reader take it as one);
// the file input itself is hidden and takes no tab stop
filfalt.addEventListener("change", () => valj(filfalt.files[0] || null));
valjKnapp.addEventListener("click", () => filfalt.click());

// what is true of where the register goes: this computer, or a server on the network
fetch("/lage").then((r) => r.json()).then((lage) => {
  document.getElementById("var-registret-finns").textContent = lage.natverk
    ? "Webbsidan körs på en server i nätverket: registret skickas dit, räknas där och tas bort så snart rapporten " +
      "är klar. De färdiga filerna kan bara hämtas från din webbläsare."
    : "Webbsidan körs på den här datorn: registret skickas ingen annanstans och tas bort så snart rapporten är klar.";
}).catch(() => {});
for (const typ of ["dragenter", "dragover"]) {
  slapp.addEventListener(typ, (e) => { e.preventDefault(); slapp.classList.add("over"); });
}
for (const typ of ["dragleave", "drop"]) {
  slapp.addEventListener(typ, (e) => { e.preventDefault(); slapp.classList.remove("over"); });
}
slapp.addEventListener("drop", (e) => { if (e.dataTransfer.files.length) valj(e.dataTransfer.files[0]); });

function el(tag, text, klass) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (klass) node.className = klass;
  return node;
}

function tal(v) {
  if (v === null || v === undefined) return "";
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 10) / 10).replace(".", ",");
}

function ruta(klass, rubrik, text) {
  const box = el("div", null, `ruta ${klass}`);
  box.append(el("h2", rubrik));
  if (text) box.append(el("p", text));
  return box;
}

function filer(lista) {
  const ul = el("ul", null, "filer");
  for (const f of lista) {
    const li = el("li");
    const a = el("a", f.namn);
    a.href = f.adress;
    a.setAttribute("download", f.namn);
    li.append(a, " ");
    if (f.internt) li.append(el("span", "INTERNT. ", "internt"));
    li.append(f.beskrivning);
    ul.append(li);
  }
  return ul;
}

function problemtabell(rader, rubrik) {
  const table = el("table", null, "problem");
  table.setAttribute("aria-label", rubrik);  // (the box's heading says it on screen: not twice)
  const head = el("tr");
  for (const h of ["Typ", "Cell", "Värde", "Problem"]) head.append(el("th", h));
  table.append(head);
  for (const p of rader) {
    const tr = el("tr");
    tr.append(el("td", p.typ, p.typ), el("td", p.plats), el("td", p.värde), el("td", p.meddelande));
    table.append(tr);
  }
  return rullbar(table);
}

function rullbar(table) {
  // a table wider than a phone's screen scrolls inside its box, with a line saying so (shown by page.css)
  const wrap = el("div", null, "tabell-rulla");
  wrap.append(table);
  const box = el("div");
  const tips = el("p", "Tabellen är bredare än skärmen: dra i sidled för att se alla kolumner.", "rulla-tips");
  tips.hidden = true;  // shown by rulltips() where the table is wider than its box
  box.append(wrap, tips);
  return box;
}

function rulltips() {
  for (const wrap of document.querySelectorAll(".tabell-rulla")) {
    wrap.nextElementSibling.hidden = wrap.scrollWidth <= wrap.clientWidth + 1;
  }
}
window.addEventListener("resize", rulltips);

function antal(n, en, flera) {
  return n === 1 ? `en ${en}` : `${n} ${flera}`;
}

function tabell1(t) {
  const table = el("table", null, "tabell1");
  const r1 = el("tr"), r2 = el("tr");
  r1.append(el("th", t.rubrik[0]));
  r2.append(el("th", t.rubrik[1]));
  for (const m of t.kolumner) {
    const th = el("th", m);
    th.colSpan = t.par.length;
    r1.append(th);
    for (const kon of t.par) r2.append(el("th", kon));
  }
  table.append(r1, r2);
  for (const rad of t.rader) {
    const tr = el("tr", null, rad.fet ? "fet" : "");
    tr.append(el("td", rad.etikett));
    for (const v of rad.värden) {
      const td = el("td", tal(v), "tal");
      if (rad.summa) td.colSpan = t.par.length;
      tr.append(td);
    }
    table.append(tr);
  }
  return rullbar(table);
}

function visa(svar) {
  resultat.replaceChildren();
  if (svar.status === "skriven" || svar.status === "kontroller") {
    const ok = svar.status === "skriven";
    const varningar = svar.notiser.filter((n) => n.typ === "Varning").length;
    const notiser = svar.notiser.length - varningar;
    const rubrik = !ok ? "Rapporten ska inte skickas"
      : varningar ? `${svar.meddelande.replace(/\.$/, "")}, med ${antal(varningar, "varning", "varningar")} att se över.`
      : svar.meddelande;
    const box = ruta(ok ? (varningar ? "varning" : "ok") : "fel", rubrik, ok ? null : svar.meddelande);
    const info = el("table", null, "nyckeltal");
    for (const [k, v] of [["Projekt", svar.projekt], ["Diarienummer", svar.diarienummer], ["Period", svar.period]]) {
      const tr = el("tr");
      tr.append(el("td", k), el("td", v));
      info.append(tr);
    }
    for (const n of svar.nyckeltal) {
      const tr = el("tr");
      tr.append(el("td", n.namn), el("td", tal(n.värde)));
      info.append(tr);
    }
    box.append(info);
    for (const rad of svar.rader) box.append(el("p", rad));
    box.append(el("h2", "Hämta filerna"), filer(svar.filer));
    if (svar.pdf) {  // where the server has LibreOffice: the report printed, for the diarium
      const p = el("p");
      const a = el("a", "Hämta rapporten som PDF");
      a.href = svar.pdf;
      p.append(a, " (för diariet; utskriven som bladens egna utskriftsinställningar säger).");
      box.append(p);
    }
    resultat.append(box);
    if (svar.notiser.length) {  // before the tables: a warning is what a coach must not miss
      const delar = [varningar ? antal(varningar, "varning", "varningar") : "", notiser ? antal(notiser, "notis", "notiser") : ""];
      const n = ruta("varning", `Att se över: ${delar.filter(Boolean).join(" och ")}`,
                     "Rapporten är skriven; kontrollera gärna dessa celler i registret.");
      n.append(problemtabell(svar.notiser, "Varningar och notiser"));
      resultat.append(n);
    }
    if (svar.jämförelse && svar.jämförelse.length) {
      const j = ruta("", "Jämfört med tidigare filer");
      for (const rad of svar.jämförelse) j.append(el("p", rad));
      resultat.append(j);
    }
    periodval.replaceChildren();
    for (const p of svar.perioder) {
      const option = el("option", p.etikett);
      option.value = p.värde;
      option.selected = p.vald;
      periodval.append(option);
    }
    periodrad.hidden = false;
    const t = ruta("", svar.tabell1.titel);
    t.append(tabell1(svar.tabell1));
    resultat.append(t);
  } else if (svar.status === "ogiltig") {
    const box = ruta("fel", "Registret behöver rättas", svar.meddelande);
    box.append(el("p", "Rätta cellerna nedan i registret och skapa rapporten igen. Den markerade kopian visar " +
                       "varje fel i sin cell."));
    box.append(filer(svar.filer), problemtabell(svar.problem, "Problem i registret"));
    resultat.append(box);
  } else {
    resultat.append(ruta("fel", "Registret kunde inte läsas", svar.meddelande));
  }
  rulltips();
}

formular.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!register) return;
  const data = new FormData();
  data.append("fil", register, register.name);
  for (const f of tidigare.files) data.append("tidigare", f, f.name);  // (more than four: the server says so)
  if (!periodrad.hidden && periodval.value) data.append("period", periodval.value);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/rapport");
  xhr.responseType = "json";
  skapa.disabled = true;
  arbetar.hidden = false;
  framsteg.value = 0;
  arbetarText.textContent = "Skickar registret …";
  xhr.upload.addEventListener("progress", (ev) => {
    if (ev.lengthComputable) framsteg.value = Math.round(100 * ev.loaded / ev.total);
  });
  xhr.upload.addEventListener("load", () => {
    framsteg.removeAttribute("value");  // indeterminate while the register is read and counted
    arbetarText.textContent = "Läser och räknar registret …";
  });
  xhr.addEventListener("loadend", () => {
    arbetar.hidden = true;
    skapa.disabled = false;
    if (xhr.response && xhr.response.status) {
      visa(xhr.response);
    } else if (xhr.status === 413) {
      resultat.replaceChildren(ruta("fel", "Filen är för stor", "Webbsidan tar inte emot så stora filer. Be den som sköter verktyget att skapa rapporten med programmet på sin dator (kommandot esf-rapport report)."));
    } else {
      resultat.replaceChildren(ruta("fel", "Något gick fel", "Sidan fick inget svar. Försök igen."));
    }
  });
  xhr.send(data);
});
