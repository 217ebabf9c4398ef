// reelwright studio: a little progressive enhancement; every page works without it.
"use strict";

// Episode page: the storyboard strip and the script follow playback; a click on a shot seeks to it.
function setupPlayer() {
  const video = document.getElementById("player");
  const strip = document.getElementById("strip");
  if (!video || !strip) return;
  const shots = Array.from(strip.querySelectorAll(".shot"));
  const lines = Array.from(document.querySelectorAll(".script li"));
  let current = null;
  function highlight() {
    const t = video.currentTime;
    const shot = shots.find(s => t >= parseFloat(s.dataset.start) && t < parseFloat(s.dataset.end)) || null;
    if (shot === current) return;
    if (current) current.classList.remove("current");
    current = shot;
    if (shot) {
      shot.classList.add("current");
      const id = shot.dataset.id;
      lines.forEach(li => li.classList.toggle("current",
        Array.from(li.querySelectorAll(".in-shots .seek")).some(b => b.textContent === id)));
    }
  }
  video.addEventListener("timeupdate", highlight);
  video.addEventListener("seeked", highlight);
  document.querySelectorAll("button.seek").forEach(b => b.addEventListener("click", () => {
    video.currentTime = parseFloat(b.dataset.t) + 0.001;
    highlight();
  }));
}

// Builds page: live progress of the running job over server-sent events.
function setupJob() {
  const box = document.getElementById("job");
  if (!box || box.dataset.state !== "running" || !window.EventSource) return;
  const bar = document.getElementById("job-bar"), text = document.getElementById("job-progress");
  const log = document.getElementById("job-log"), state = document.getElementById("job-state");
  const summary = document.getElementById("job-summary");
  const source = new EventSource(`/builds/${box.dataset.job}/events`);
  source.onmessage = (msg) => {
    const e = JSON.parse(msg.data);
    if (e.kind === "log") {
      log.textContent += (log.textContent ? "\n" : "") + e.message;
      log.scrollTop = log.scrollHeight;
      return;
    }
    bar.max = Math.max(e.total, 1);
    bar.value = e.done;
    const eta = e.eta === null ? "" : `, eta ${Math.round(e.eta)} s`;
    text.textContent = `${e.label}: ${e.done}/${e.total}${eta}`;
  };
  source.addEventListener("end", (msg) => {
    source.close();
    const job = JSON.parse(msg.data);
    box.dataset.state = job.state;
    state.textContent = job.state;
    state.className = `pill state-${job.state}`;
    summary.textContent = job.summary || job.error || "";
    const cancel = document.getElementById("cancel");
    if (cancel) cancel.disabled = true;
    if (job.state === "done") bar.value = bar.max;  // cached shots were never counted as steps
    text.textContent = `${job.state} after ${(job.finished - job.started).toFixed(1)} s`;
    // the page's episode states changed: show them (or go back where the job was started from)
    setTimeout(() => {
      if (job.state === "done" && box.dataset.back) window.location = box.dataset.back;
      else window.location.reload();
    }, 1500);
  });
}

document.addEventListener("DOMContentLoaded", () => { setupPlayer(); setupJob(); });
