"""The Test button of Airflow 3's connection list, for a Trackier connection saved through the form.

A real Airflow API server (``airflow api-server``) gets the exact requests the 3.3.2 UI sends (read from its
bundle, ``airflow/ui/dist``):

- the add form posts ``{conn_type, connection_id, host, password}`` and leaves out every field left empty,
  including the port when it is left empty, which is therefore stored as NULL;
- the list's Test button posts the listed connection back as ``{conn_type, connection_id, description,
  extra, host, login, password, port: Number(port), schema}``, with ``null`` fields as ``""``, the password
  masked as ``***``, and ``Number(null)``, that is ``0``, as the port.

Airflow 3.3.2 refuses that test ("The host or port to test differs from the stored connection", HTTP 400):
``0`` is not the stored NULL (apache/airflow#73298). This test checks that, while the bug is there, the
documented workarounds (docs/configuration.md) work: with the API's port stored the button tests a good key
successfully and shows Trackier's reason for a bad one, and ``airflow connections test`` works either way.
Once Airflow ships the fix, the portless connection must test successfully and the docs' section goes.

The last test clicks the button in Chromium, in the Airflow ``make airflow`` starts: the demo connection (stored
with its port) and connections added through the form, with their port, a good key and a bad one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import REPO_ROOT
from tests.integration.airflow_cluster import AIRFLOW, AirflowCluster, airflow_major
from trackier_provider.emulator import EmulatorConfig, TrackierEmulator

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(airflow_major() < 3, reason="the connection list's Test button is Airflow 3's UI"),
]

GOOD_KEY = "button-test-Key-9d2c41"
STORED_PORT_MISMATCH = "The host or port to test differs from the stored connection"


class ApiServer(AirflowCluster):
    """Only the API server: the Test button needs nothing else."""

    def components(self) -> list[Any]:
        # A component is a Component (``.args``) or, in the harness's first version, the argument list itself.
        return [c for c in super().components() if getattr(c, "args", c)[0] == "api-server"]


class Ui:
    """What the browser sends, over HTTP to the API server, with the token the UI would hold."""

    def __init__(self, cluster: ApiServer) -> None:
        self.base = f"http://127.0.0.1:{cluster.port}"
        self.token = cluster.wait_for("the API server", self._token, timeout=180)

    def _token(self) -> str | None:
        try:
            return requests.get(f"{self.base}/auth/token", timeout=5).json()["access_token"]
        except (requests.RequestException, ValueError, KeyError):
            return None  # not up yet

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        answer = requests.request(
            method, self.base + path, json=body, headers={"Authorization": f"Bearer {self.token}"}, timeout=60
        )
        return answer.status_code, answer.json()

    def add_through_form(self, conn_id: str, host: str, key: str) -> None:
        """The add form: API base URL and API key filled in, everything else (the hidden port too) left empty."""
        status, body = self.call("POST", "/api/v2/connections", {
            "conn_type": "trackier", "connection_id": conn_id, "host": host, "password": key,
        })
        assert status == 201, body
        assert body["port"] is None

    def press_test(self, conn_id: str) -> tuple[int, Any]:
        """The Test button in the connection list: the listed connection, posted back as the UI builds it."""
        status, listing = self.call("GET", "/api/v2/connections?limit=100")
        assert status == 200, listing
        (conn,) = [c for c in listing["connections"] if c["connection_id"] == conn_id]
        assert conn["password"] == "***"  # the list never shows the key; the button sends the mask back
        extra = conn["extra"]
        return self.call("POST", "/api/v2/connections/test", {
            "conn_type": conn["conn_type"],
            "connection_id": conn["connection_id"],
            "description": conn["description"] or "",
            "extra": "{}" if extra in ("", None) else extra,
            "host": conn["host"] or "",
            "login": conn["login"] or "",
            "password": conn["password"] or "",
            "port": conn["port"] or 0,  # Number(null) === 0
            "schema": conn["schema"] or "",
        })

    def store_port(self, conn_id: str, port: int) -> None:
        """The documented workaround for an existing connection: store the port the API's URL uses (REST API)."""
        status, body = self.call("PATCH", f"/api/v2/connections/{conn_id}?update_mask=port", {
            "connection_id": conn_id, "conn_type": "trackier", "port": port,
        })
        assert status == 200 and body["port"] == port, body


def airflow_has_the_port_fix() -> bool:
    """Whether this Airflow treats a requested port of 0 like a stored NULL (apache/airflow#73298)."""
    from airflow.api_fastapi.core_api.routes.public.connections import _same_endpoint

    return _same_endpoint(0, None)


def test_test_button_for_a_connection_saved_through_the_form(tmp_path: Path) -> None:
    with TrackierEmulator(EmulatorConfig(api_key=GOOD_KEY), host="127.0.0.1", port=0) as emu:
        (tmp_path / "dags").mkdir()
        env = {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled"}
        with ApiServer(tmp_path / "airflow-home", tmp_path / "dags", env) as cluster:
            ui = Ui(cluster)
            ui.add_through_form("trackier_good", emu.base_url, GOOD_KEY)
            ui.add_through_form("trackier_bad", emu.base_url, "wrong-key-123")

            status, answer = ui.press_test("trackier_good")
            if airflow_has_the_port_fix():
                assert (status, answer["status"]) == (200, True), answer
            else:
                assert status == 400 and STORED_PORT_MISMATCH in answer["detail"], answer
                assert not emu.requests  # refused before the hook ran

            # Workaround 1: the API's port stored with the connection; the button then sends the same port.
            emu_port = urlsplit(emu.base_url).port
            assert emu_port is not None
            for conn_id in ("trackier_good", "trackier_bad"):
                ui.store_port(conn_id, emu_port)
            status, answer = ui.press_test("trackier_good")
            assert status == 200, answer
            assert answer == {"status": True, "message": f"Connected to the Trackier API at {emu.base_url}"}

            status, answer = ui.press_test("trackier_bad")
            assert status == 200 and answer["status"] is False, answer
            assert "102" in answer["message"] and "Invalid API Key" in answer["message"], answer
            assert "wrong-key-123" not in answer["message"]

            # Workaround 2: the CLI tests the stored connection as it is (here a form-saved one, no port).
            ui.add_through_form("trackier_cli", emu.base_url, GOOD_KEY)
            cli = subprocess.run(
                [AIRFLOW, "connections", "test", "trackier_cli"],
                env=cluster.env, capture_output=True, text=True, timeout=180, check=False,
            )
            assert cli.returncode == 0 and "Connection success!" in cli.stdout, cli.stdout + cli.stderr

            tested = [r for r in emu.requests if r["path"] == "/v2/advertisers"]
            assert [r["status"] for r in tested] == [200, 400, 200]


# ---------------------------------------------------------------------------------------------------------------
# The same button clicked in a real browser, in the Airflow `make airflow` starts.

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: What the browser is started with: headless, and nothing that would reach the network on its own.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000")


def _browser_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).is_file()]
    if missing:
        return f"{' and '.join(missing)} not installed (Debian: apt-get install -y chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (it is in the dev extra: pip install -e '.[dev]')"
    return None


class MakeAirflow:
    """``make airflow`` (``python -m trackier_provider.demo --standalone``) in a throwaway home, on free ports.

    Its own DAGs folder is empty: the scheduler then has nothing to run while the browser clicks (the example
    DAGs, unpaused, would run against the emulator meanwhile); everything else is what ``make airflow`` does.
    """

    def __init__(self, tmp_path: Path) -> None:
        from tests.integration.services import free_port
        from trackier_provider.demo import DEMO_API_KEY

        self.api_key = DEMO_API_KEY
        self.port, self.emulator_port = free_port(), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.emulator_url = f"http://127.0.0.1:{self.emulator_port}"
        self.home = tmp_path / "home"
        (tmp_path / "dags").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TRACKIER"))}
        env["AIRFLOW__API__PORT"] = str(self.port)
        self.log = (tmp_path / "make-airflow.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trackier_provider.demo", "--standalone", "--airflow-home", str(self.home),
             "--output", str(tmp_path / "out"), "--dags-folder", str(tmp_path / "dags"),
             "--port", str(self.emulator_port)],
            cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def wait_until_up(self, timeout: float = 420) -> str:
        """Wait for the API server; return the admin password ``make airflow`` printed and saved."""
        deadline = time.monotonic() + timeout
        passwords = self.home / f"airflow-{airflow_major()}" / "simple_auth_manager_passwords.json.generated"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make airflow stopped: {self.tail()}"
            try:
                up = requests.get(f"{self.base}/api/v2/monitor/health", timeout=5).status_code == 200
            except requests.RequestException:
                up = False
            if up and passwords.is_file():
                return str(json.loads(passwords.read_text())["admin"])
            time.sleep(2)  # polling a server that is starting, not timing a result
        raise AssertionError(f"make airflow's API server did not come up in {timeout:.0f}s: {self.tail()}")

    def second_shell(self, *command: str, by_hand: bool = False) -> subprocess.CompletedProcess[str]:
        """Run a command from "a second shell" (a clean environment) while ``make airflow`` runs: through
        ``make airflow-cli`` (``--airflow-cli``), or ``by_hand`` with the exports docs/configuration.md gives."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TRACKIER"))}
        if by_hand:
            home = self.home / f"airflow-{airflow_major()}"
            env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__FERNET_KEY=(home / "fernet.key").read_text().strip(),
                       AIRFLOW__CORE__TEST_CONNECTION="Enabled")
            argv = [AIRFLOW, *command]
        else:
            argv = [sys.executable, "-m", "trackier_provider.demo", "--airflow-home", str(self.home),
                    "--airflow-cli", *command]
        return subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
                              check=False)

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-4000:]

    def stop(self) -> None:
        """Ctrl-C, as a user stops it; killed if it does not stop."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Browser:
    """Chromium driven by Selenium: what a user clicks on the Connections page, with a screenshot of each step."""

    def __init__(self, base: str, shots: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        # The Debian driver, given explicitly: Selenium then never looks for (or downloads) a browser or driver.
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.implicitly_wait(30)
        self.base, self.shots = base, shots
        shots.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))

    def log_in(self, password: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.get(f"{self.base}/auth/login?next=%2Fconnections")
        self.driver.find_element(By.NAME, "username").send_keys("admin")
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        self.driver.find_element(By.XPATH, "//button[normalize-space()='Add Connection']")  # the list is there
        self.shot("01-connections")

    def click(self, xpath: str) -> None:
        """Click the element once nothing covers it: the toast of an earlier Test (its hover guard, a
        ``data-ghost`` box) sits over the dialog's Save button until it goes away."""
        from selenium.common.exceptions import ElementClickInterceptedException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        def clicked(driver: Any) -> bool:
            driver.find_element(By.XPATH, xpath).click()
            return True

        WebDriverWait(self.driver, 60, ignored_exceptions=(ElementClickInterceptedException,)).until(clicked)

    def add_connection(self, conn_id: str, host: str, key: str, port: int | None) -> None:
        """Admin > Connections > Add Connection: id, type Trackier, API base URL, API key (and port), Save."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        find = self.driver.find_element
        self.click("//button[normalize-space()='Add Connection']")
        find(By.NAME, "connection_id").send_keys(conn_id)
        conn_type = find(By.XPATH, "//div[@role='dialog']//input[not(@name)]")
        conn_type.click()
        conn_type.send_keys("trackier")
        find(By.XPATH, "//*[@role='option'][normalize-space()='Trackier']")
        conn_type.send_keys(Keys.ENTER)
        find(By.NAME, "host").send_keys(host)
        find(By.NAME, "password").send_keys(key)
        if port is not None:
            find(By.NAME, "port").send_keys(str(port))
        self.shot(f"02-add-{conn_id}")
        self.click("//div[@role='dialog']//button[normalize-space()='Save']")
        find(By.XPATH, f"//tr[td[normalize-space()='{conn_id}']]")

    def press_test(self, conn_id: str) -> str:
        """Click the row's Test button; return the toast that answers: its title, a newline, its message.

        Toasts are told apart by their element id (several may be stacked), and read through ``textContent``
        (a toast partly covered by the next one still holds all its text).
        """
        from selenium.webdriver.common.by import By

        toasts = "[data-scope=toast][data-part=root]"
        seen = {t.get_attribute("id") for t in self.driver.find_elements(By.CSS_SELECTOR, toasts)}
        row = f"//tr[td[normalize-space()='{conn_id}']]"
        self.click(f"{row}//button[@aria-label='Test Connection']")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for toast in self.driver.find_elements(By.CSS_SELECTOR, toasts):
                if toast.get_attribute("id") in seen:
                    continue
                parts = [toast.find_elements(By.CSS_SELECTOR, f"[data-part={name}]")
                         for name in ("title", "description")]
                title, message = (" ".join((p[0].get_attribute("textContent") or "").split()) if p else ""
                                  for p in parts)
                if title and message:
                    self.shot(f"03-test-{conn_id}")
                    return f"{title}\n{message}"
            time.sleep(0.2)  # polling for the answer to appear, not timing it
        self.shot(f"03-test-{conn_id}-no-answer")
        raise AssertionError(f"no answer to the Test button of {conn_id}")

    def quit(self) -> None:
        self.driver.quit()


@pytest.mark.skipif(_browser_missing() is not None, reason=str(_browser_missing()))
def test_test_button_in_chromium_on_make_airflow(tmp_path: Path) -> None:
    """``make airflow``, then in Chromium: the demo connection's Test succeeds; a connection added through the
    form with its port tests successfully with a good key and shows Trackier's reason for a bad one."""
    shots = Path(os.environ.get("TRACKIER_SCREENSHOTS") or tmp_path / "screenshots")
    airflow = MakeAirflow(tmp_path)
    browser = None
    try:
        password = airflow.wait_until_up()
        browser = Browser(airflow.base, shots)
        browser.log_in(password)

        # make airflow's own connection: stored with the emulator's port, so the button works on 3.3.2 too.
        answer = browser.press_test("trackier_default")
        assert answer.splitlines() == ["Test Connection Successful",
                                       f"Connected to the Trackier API at {airflow.emulator_url}"], answer

        # The docs' workarounds from a second shell: `make airflow-cli ARGS="connections test trackier_default"`
        # and the exports by hand (the Fernet key is in the demo home's fernet.key).
        for by_hand in (False, True):
            cli = airflow.second_shell("connections", "test", "trackier_default", by_hand=by_hand)
            assert cli.returncode == 0 and "Connection success!" in cli.stdout, cli.stdout + cli.stderr
            assert "decrypt" not in cli.stdout + cli.stderr

        browser.add_connection("trackier_form_good", airflow.emulator_url, airflow.api_key, airflow.emulator_port)
        answer = browser.press_test("trackier_form_good")
        assert answer.splitlines() == ["Test Connection Successful",
                                       f"Connected to the Trackier API at {airflow.emulator_url}"], answer

        browser.add_connection("trackier_form_bad", airflow.emulator_url, "wrong-key-123", airflow.emulator_port)
        answer = browser.press_test("trackier_form_bad")
        assert answer.splitlines()[0] == "Test Connection Failed", answer
        assert "102" in answer and "Invalid API Key" in answer and "wrong-key-123" not in answer, answer

        # Left without its port, a connection meets Airflow 3.3.2's bug (apache/airflow#73298), as documented.
        browser.add_connection("trackier_form_portless", airflow.emulator_url, airflow.api_key, None)
        answer = browser.press_test("trackier_form_portless")
        if airflow_has_the_port_fix():
            assert answer.splitlines()[0] == "Test Connection Successful", answer
        else:
            # The UI shows the HTTP status text; the API's detail is STORED_PORT_MISMATCH (the first test).
            assert answer.splitlines() == ["Test Connection Failed", "Bad Request"], answer
    finally:
        if browser is not None:
            browser.quit()
        airflow.stop()
