// The page's behaviour: choose or drop the register, send it, show the answer. Every text from the
// server is set with textContent, never as HTML.
"use strict";

const formular = document.getElementById("formular");
const slapp = document.getElementById("slapp");
const filfalt = document.getElementById("fil");
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

filfalt.addEventListener("change", () => valj(filfalt.files[0] || null));
slapp.addEventListener("click", (e) => { if (e.target === slapp) filfalt.click(); });
slapp.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); filfalt.click(); } });
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
  const head = el("tr");
  for (const h of ["Typ", "Cell", "Värde", "Problem"]) head.append(el("th", h));
  table.append(el("caption", rubrik), head);
  for (const p of rader) {
    const tr = el("tr");
    tr.append(el("td", p.typ, p.typ), el("td", p.plats), el("td", p.värde), el("td", p.meddelande));
    table.append(tr);
  }
  return table;
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
  const wrap = el("div", null, "tabell-rulla");
  wrap.append(table);
  return wrap;
}

function visa(svar) {
  resultat.replaceChildren();
  if (svar.status === "skriven" || svar.status === "kontroller") {
    const ok = svar.status === "skriven";
    const box = ruta(ok ? "ok" : "fel", ok ? svar.meddelande : "Rapporten ska inte skickas",
                     ok ? null : svar.meddelande);
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
    box.append(el("h2", "Hämta"), filer(svar.filer));
    resultat.append(box);
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
    if (svar.notiser.length) {
      const n = ruta("varning", "Varningar och notiser", "Rapporten är skriven; kontrollera gärna dessa celler.");
      n.append(problemtabell(svar.notiser, "Varningar och notiser"));
      resultat.append(n);
    }
  } else if (svar.status === "ogiltig") {
    const box = ruta("fel", "Registret behöver rättas", svar.meddelande);
    box.append(el("p", "Rätta cellerna nedan i registret och skapa rapporten igen. Den markerade kopian visar " +
                       "varje fel i sin cell."));
    box.append(filer(svar.filer), problemtabell(svar.problem, "Problem i registret"));
    resultat.append(box);
  } else {
    resultat.append(ruta("fel", "Registret kunde inte läsas", svar.meddelande));
  }
}

formular.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!register) return;
  const data = new FormData();
  data.append("fil", register, register.name);
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
      resultat.replaceChildren(ruta("fel", "Filen är för stor", "Ett så stort register kan köras med kommandot esf-rapport report."));
    } else {
      resultat.replaceChildren(ruta("fel", "Något gick fel", "Sidan fick inget svar. Försök igen."));
    }
  });
  xhr.send(data);
});
